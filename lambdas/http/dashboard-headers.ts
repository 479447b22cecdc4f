/**
 * The dashboard page's security headers, the same from `npm start` and from the API stage on AWS.
 *
 * The page may load only its own scripts and talk only to its own origin, and to where the API redirects large
 * downloads (presigned links to the mail bucket). Images may come from anywhere only because a mail's iframe
 * inherits this policy and adds its own, stricter one, which allows remote images only once the reader asks.
 */
export function dashboardContentSecurityPolicy(downloadOrigins: string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https: http:",
    ["connect-src 'self'", ...downloadOrigins].join(' '),
    "frame-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export const DASHBOARD_SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;
