// Required, not imported: mailparser loads htmlparser2's CommonJS build, and an import would add its ES module
// build (and second copies of domutils, dom-serializer and entities) to the parser's bundle.
import htmlparser2 = require('htmlparser2');
import type { LinkKind } from './link-kinds';

/**
 * What agents and test suites look for in a mail: one-time codes and the links that verify, sign in, reset
 * a password or unsubscribe. Heuristic by nature: a code must sit near a word like "code", "OTP" or
 * "验证码" and away from words like "promo" or "order"; a link's kind comes from its anchor text, then the
 * sentence it stands in, then its URL. Precision and recall on a labelled corpus are measured in the tests.
 */

export { LINK_KINDS, type LinkKind } from './link-kinds';

export interface ExtractedLink {
  url: string;
  kind: LinkKind;
  /** The anchor text, when the link had one. */
  text: string | null;
}

/** Why codes were not extracted: the mail could be a forgery meant to feed an agent a code. */
export type CodesWithheld = 'dmarc_failed' | 'spam';

export interface Extracted {
  codes: string[];
  links: ExtractedLink[];
  codesWithheld: CodesWithheld | null;
}

export interface MailForExtraction {
  subject: string;
  text: string | null;
  html: string | null;
  /** The `List-Unsubscribe` header, if any. */
  listUnsubscribe: string | null;
}

export interface Trust {
  dmarc: string;
  spam: string;
  /** Extract codes even from mail that failed DMARC or was flagged as spam. */
  codesFromUnverifiedMail?: boolean;
}

const MAX_CODES = 10;
const MAX_LINKS = 50;

export function extractFromMail(mail: MailForExtraction, trust?: Trust): Extracted {
  const html = mail.html ? readHtml(mail.html) : null;
  const textLines = (mail.text ?? '').split(/\r?\n/);
  const withheld = withheldReason(trust);
  return {
    // Both bodies: a text part may say what its HTML shows only as an image, and the other way round.
    codes: withheld ? [] : extractCodes([mail.subject, ...(html?.blocks ?? []), ...textLines]),
    // With HTML, its anchors; a text part derived from it would add image addresses as if they were links.
    links: extractLinks(html ? html.anchors.concat(bareUrls(html.blocks)) : bareUrls(textLines), mail.listUnsubscribe),
    codesWithheld: withheld,
  };
}

function withheldReason(trust: Trust | undefined): CodesWithheld | null {
  if (!trust || trust.codesFromUnverifiedMail) return null;
  if (trust.dmarc === 'FAIL') return 'dmarc_failed';
  if (trust.spam === 'FAIL') return 'spam';
  return null;
}

// ---------- codes ----------

/** Words that announce a one-time code, in the languages mail arrives in (any case; global, for matchAll). */
const CODE_WORDS =
  /\b(code|codes|otp|passcode|one[- ]time|2fa|two[- ]factor|pin|tan|verification|authentication|security code|login code|sign[- ]in code|codice|c[oó]digo|clave|kode|\w*kod|kodu|kodunuz|koden)\b|kód|bestätigungscode|sicherheitscode|anmeldecode|verificatiecode|код|κωδικ|mã xác minh|mã otp|mã xác nhận|ओटीपी|कोड|認證碼|コード|認証番号|確認番号|ワンタイム|验证码|驗證碼|校验码|动态码|인증번호|인증 ?코드|확인 ?코드|doğrulama|رمز|كود/gi;

/** Words that make a nearby number something else: an offer, an order, a customer, a booking, a place, a phone. */
const NOT_A_CODE_WORDS =
  'promo|discount|\\boff\\b|coupon|voucher|gift|offer|sale|rabatt|gutschein|réduction|remise|promotion|descuento|cup[oó]n|oferta|desconto|cupom|sconto|buono|korting|kortingscode|rabat|kupon|zniżk|скидк|промокод|купон|割引|クーポン|优惠|折扣|할인|쿠폰|indirim|kupon|order|invoice|tracking|postal|posta\\b|zip|post ?code|postleitzahl|plz|sendung|commande|facture|suivi|pedido|factura|seguimiento|rastreio|fatura|ordine|fattura|spedizione|cap\\b|bestelling|factuur|zamówieni|faktur|przesyłk|pocztow|заказ|счёт|счет|отслеживан|注文|請求|配送|追跡|订单|发票|快递|运单|주문|송장|배송|sipariş|fatura|kargo|takip|customer|cliente|client|kunden|klant|klient|booking|reservation|réservation|reserva|prenotazione|buchung|boeking|rezerwac|pnr|gift ?card|carte cadeau|geschenkkarte|termina|ending|reference|ref\\.|referenz|référence|referencia|riferimento|kundennummer|customer|account|ending in|endet auf|phone|tel\\.?|telefon|fax|iban|door|key ?safe|room|flight|seat|meeting id|पिन';
/** …when they come shortly before the number (or before the word "code" itself: "promo code", "postal code"). */
const NOT_A_CODE = new RegExp(`(${NOT_A_CODE_WORDS})[^\\n]{0,24}$`, 'i');
/** …or qualify the word "code" right after it: "código de cliente", "codice prenotazione". */
const QUALIFIED_AFTER = new RegExp(`^[\\s:(]*(?:(?:de|di|do|da|del|du|des)\\s+)?(?:${NOT_A_CODE_WORDS})`, 'i');

/** A code followed by what it saves is an offer: "code SOMMER10 sparst du 10 %", "SPRING30 for 30% off". */
const OFFER_AFTER = /\d+ ?%|% ?off|\boff\b|\bsave|spar|économis|ahorr|risparmi|bespaar|oszczęd|скидк|割引|折|할인|indirim/i;
/** A line that offers a percentage off is about a discount, whatever code it names. */
const PERCENT_OFF = /\d+ ?%/;

/** Candidates, most specific first: grouped digits, mixed letter-digit codes, plain digit runs. */
const CODE_PATTERNS = [
  /(?<![\w#€$£¥+.,:/-]|\d[ -])(\d{3}[ -]\d{3}|\d{4}[ -]\d{4})(?![\w€$£%]|[ -]\d|[.,:/-]\d)/g,
  /(?<![\w#./-])((?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])(?:[A-Z0-9]{5,8}|[A-Z0-9]{3,4}-[A-Z0-9]{3,4}))(?![\w-])/g,
  /(?<![\w#€$£¥+.,:/-]|\d[ -])(\d{4,8})(?![\w€$£%]|[ -]\d|[.,:/-]\d)/g,
];

/** A code is shown on the line that names it, or alone on one of the two lines after (a big number under "Your code:"). */
const LOOKAHEAD_LINES = 2;
const CODE_ALONE = /^[\s:.\-–—]*(\S{4,9}|\d{3,4}[ -]\d{3,4})[\s.]*$/;

function extractCodes(lines: string[]): string[] {
  const codes: string[] = [];
  const texts = lines.map((l) => l.trim()).filter((l) => l.length > 0);
  texts.forEach((line, i) => {
    if (!announcesCode(line)) return;
    const own = candidatesIn(line, wrappedFrom(texts[i - 1]));
    const below = own.length > 0 ? [] : texts.slice(i + 1, i + 1 + LOOKAHEAD_LINES).filter((l) => CODE_ALONE.test(l));
    for (const code of own.concat(below.flatMap((l) => candidatesIn(l)).slice(0, 1))) if (!codes.includes(code)) codes.push(code);
  });
  return codes.slice(0, MAX_CODES);
}

/** A line that names a one-time code: "promo code", "postal code" and the like do not count. */
function announcesCode(line: string): boolean {
  if (PERCENT_OFF.test(line)) return false;
  for (const m of line.matchAll(CODE_WORDS)) {
    if (!NOT_A_CODE.test(line.slice(0, m.index)) && !QUALIFIED_AFTER.test(line.slice(m.index + m[0].length))) return true;
  }
  return false;
}

/**
 * Text made from HTML is wrapped at a fixed width, so what qualifies a number ("PIN | code: 560001") may end
 * the line before: a long line that ends mid-sentence continues on the next.
 */
function wrappedFrom(previous: string | undefined): string {
  return previous && previous.length >= 60 && !/[.!?:;。！？]$/.test(previous) ? previous : '';
}

function candidatesIn(line: string, previous = ''): string[] {
  const found: { at: number; code: string }[] = [];
  const taken: [number, number][] = [];
  for (const pattern of CODE_PATTERNS) {
    for (const m of line.matchAll(pattern)) {
      const at = m.index;
      const end = at + m[1].length;
      if (taken.some(([a, b]) => at < b && end > a)) continue;
      taken.push([at, end]);
      const code = m[1];
      if (/^(19|20)\d\d$/.test(code)) continue;
      if (NOT_A_CODE.test(`${previous} ${line.slice(0, at)}`) || OFFER_AFTER.test(line.slice(end, end + 40))) continue;
      found.push({ at, code });
    }
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.code);
}

// ---------- links ----------

interface LinkCandidate {
  url: string;
  /** Anchor text (HTML) or null. */
  text: string | null;
  /** The words before the link in its block or line. */
  context: string;
}

const KIND_WORDS: [Exclude<LinkKind, 'other'>, RegExp][] = [
  [
    'unsubscribe',
    /unsubscribe|opt[- ]?out|email preferences|e-mail preferences|manage (your )?(email|e-mail|subscriptions|notifications|alerts|preferences)|notification settings|alert settings|which alerts|abbestell|abmelden vom|newsletter abmelden|vom newsletter|einstellungen|d[ée]sabonn|d[ée]sinscri|pr[ée]f[ée]rences|darse de baja|dar de baja|cancelar (la )?suscripci|preferencias|descadastr|cancelar (a )?inscri|prefer[êe]ncias|disiscri|annulla (l'?)?iscrizione|preferenze|afmelden|uitschrijven|voorkeuren|wypisz|rezygn|preferencje|отписаться|отписк|настройки (рассылки|уведомлений)|配信停止|登録解除|配信設定|退订|取消订阅|退訂|수신 ?거부|구독 ?취소|abonelikten|aboneliği|e-posta tercih|إلغاء الاشتراك|options page|mailing list options|ne plus recevoir|no recibir|não receber|non ricevere|nicht mehr erhalten|niet meer ontvangen|sluta få|stop receiving|stop these emails|inställningar|instellingen|impostazioni (e-?mail|notifiche)|configuración de (correo|notificaciones)|notifications par e-?mail|odhlásit|відписатися|απεγγραφ|berhenti berlangganan|hủy đăng ký/gi,
  ],
  [
    'reset',
    /reset|forgot|change (your )?password|new password|create a new|choose a new|passwort|kennwort|r[ée]initialis|mot de passe|restablecer|contraseña|redefinir|senha|palavra-passe|reimposta|password|wachtwoord|has[łl]o|hasła|сброс|пароль|パスワード|重置|密码|密碼|비밀번호|şifre|sifre|كلمة المرور|atur ulang|kata sandi|mật khẩu|heslo|hesla|пароль|κωδικό πρόσβασης|पासवर्ड|lösenord|återställ/gi,
  ],
  [
    'magic-link',
    /sign[- ]?in|log[- ]?in|magic link|anmelden|einloggen|connecter|connexion|iniciar sesi|inicia sesi|entrar|acessar|acceder|accedi|inloggen|log in|zaloguj|logowani|войти|вход|ログイン|サインイン|登录|登入|로그인|giriş yap|oturum aç|تسجيل الدخول|logga in|đăng nhập|masuk|přihlásit|σύνδεση|लॉग इन|увійти|вхід/gi,
  ],
  [
    'verify',
    /verif|confirm|activat|validat|it was me|this was me|yes, it|bestätig|aktivier|best[äa]tigen|v[ée]rifi|activer|confirmer|confirmar|activar|ativar|conferm|attiva|bevestig|activeer|potwierd|aktywuj|подтверд|активир|確認|認証|有効化|验证|确认|激活|驗證|確認|인증|확인|활성화|doğrula|onayla|etkinleştir|تأكيد|تفعيل|verifikasi|konfirmasi|xác minh|xác nhận|bekräfta|verifiera|ověřit|potvrdit|επαλήθευ|επιβεβαί|सत्यापित|підтверд/gi,
  ],
];

/** URL paths that name their purpose; the weakest signal, used when the words around say nothing. */
const KIND_PATHS: [Exclude<LinkKind, 'other'>, RegExp][] = [
  ['unsubscribe', /unsubscribe|opt-?out|abmelden|desabonn|baja|preferences|preferencias|preferenze|einstellungen|instellingen|installningar/i],
  ['reset', /reset|forgot|password/i],
  ['magic-link', /magic|sign-?in|login|auth\/link/i],
  ['verify', /verif|confirm|activat/i],
];

function extractLinks(candidates: LinkCandidate[], listUnsubscribe: string | null): ExtractedLink[] {
  const links = new Map<string, ExtractedLink>();
  for (const c of candidates) {
    const kind = classify(c);
    const known = links.get(c.url);
    // The same URL twice (a button and its text copy): keep the clearest reading.
    if (!known) links.set(c.url, { url: c.url, kind, text: c.text });
    else if (known.kind === 'other' && kind !== 'other') links.set(c.url, { ...known, kind });
  }
  for (const m of (listUnsubscribe ?? '').matchAll(/<(https?:\/\/[^>\s]+)>/gi)) {
    links.set(m[1], { url: m[1], kind: 'unsubscribe', text: links.get(m[1])?.text ?? null });
  }
  return [...links.values()].slice(0, MAX_LINKS);
}

/** Help centres and documentation explain actions; they never perform one. */
const INFORMATIONAL_HOST = /^(docs|documentation|faq)\./i;
const INFORMATIONAL_PATH = /\/(help|docs?|faq|articles?|articulos?|articoli|artikel|makale|support|contact|hilfe|aide|ayuda|ajuda|aiuto|pomoc|destek|hjalp|kb)(\/|$)/i;

/** "This wasn't me", "report", "secure my account": the opposite of confirming, whatever words they share with it. */
const DISOWNING = /not me|n[o']t you|wasn['’]?t me|was not me|didn['’]?t (do|request|ask)|report|secure (my|your) account|lock (my|your)|block|nicht ich|war ich nicht|pas moi|ce n'était pas|no fui|no he sido|não fui|non sono stato|niet ik|to nie ja|это не я|не я|ne-ya|not-me|report-login|\/lock\b|私ではない|不是我|본인이 아닙/i;

/** Anchor text that names nothing ("here"): the sentence around the link says what it is. */
const GENERIC_ANCHOR = /^(here|click here|tap here|this link|link|open|hier|klicken sie hier|ici|cliquez ici|aquí|haz clic aquí|aqui|clique aqui|qui|clicca qui|klik hier|tutaj|kliknij tutaj|здесь|сюда|こちら|ここ|这里|点击这里|여기|buraya|tıklayın)[.!:]?$/i;

/** "No password needed" describes a magic link; it is not about passwords. */
const PASSWORDLESS = /\b(no|without( a)?) password( (is )?(needed|required))?|passwordless|ohne passwort|sans mot de passe|sin contraseña|sem senha|senza password/gi;

function classify(link: LinkCandidate): LinkKind {
  const byWords = (s: string): LinkKind | undefined => {
    let best: { kind: LinkKind; at: number } | undefined;
    for (const [kind, words] of KIND_WORDS) {
      // The mention nearest the link wins (the end of its context).
      const at = lastMatch(s, words);
      if (at >= 0 && (!best || at > best.at)) best = { kind, at };
    }
    return best?.kind;
  };
  let url: URL;
  try {
    url = new URL(link.url);
  } catch {
    return 'other';
  }
  if (INFORMATIONAL_HOST.test(url.hostname) || INFORMATIONAL_PATH.test(url.pathname)) return 'other';
  const text = link.text?.trim() || null;
  const labelled = text !== null && !GENERIC_ANCHOR.test(text) && !/^https?:\/\//i.test(text);
  // A link that names itself is what it says; only an unnamed one takes the words before it.
  const words = labelled ? text : link.context;
  if (DISOWNING.test(words) || DISOWNING.test(url.pathname)) return 'other';
  return byWords(words.replace(PASSWORDLESS, ' magic link ')) ?? KIND_PATHS.find(([, p]) => p.test(url.pathname + url.search))?.[0] ?? 'other';
}

/** Where the last mention of `words` (a global pattern) starts, or -1. */
function lastMatch(s: string, words: RegExp): number {
  let at = -1;
  for (const m of s.matchAll(words)) at = m.index;
  return at;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`)\]}]+/gi;

/** Bare URLs in lines of text; a URL alone on its line takes the line above as its context. */
function bareUrls(lines: string[]): LinkCandidate[] {
  const found: LinkCandidate[] = [];
  let previous = '';
  for (const line of lines) {
    for (const m of line.matchAll(URL_IN_TEXT)) {
      const before = line.slice(0, m.index).trim();
      found.push({ url: m[0].replace(/[.,;:!?]+$/, ''), text: null, context: before || previous });
    }
    if (line.trim()) previous = line.trim();
  }
  return found;
}

// ---------- HTML ----------

const BLOCK_TAGS = new Set(['p', 'div', 'td', 'th', 'tr', 'li', 'ul', 'ol', 'table', 'br', 'hr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'section', 'article', 'header', 'footer', 'blockquote', 'center', 'title']);
const HIDDEN_TAGS = new Set(['script', 'style', 'head', 'title']);

/** The text of an HTML body as blocks (paragraphs, cells, lines), and its links with their anchor text and context. */
function readHtml(html: string): { blocks: string[]; anchors: LinkCandidate[] } {
  const blocks: string[] = [];
  const anchors: LinkCandidate[] = [];
  let block = '';
  let hidden = 0;
  let anchor: { href: string; start: number } | null = null;
  const flush = () => {
    if (anchor) return;
    const text = block.replace(/\s+/g, ' ').trim();
    if (text) blocks.push(text);
    block = '';
  };
  const parser = new htmlparser2.Parser(
    {
      onopentag(name, attributes) {
        if (HIDDEN_TAGS.has(name)) hidden++;
        if (BLOCK_TAGS.has(name)) flush();
        if (name === 'a' && /^https?:\/\//i.test(attributes.href ?? '')) anchor = { href: attributes.href.trim(), start: block.length };
      },
      ontext(text) {
        if (!hidden) block += text;
      },
      onclosetag(name) {
        if (HIDDEN_TAGS.has(name)) hidden = Math.max(0, hidden - 1);
        if (name === 'a' && anchor) {
          const text = block.slice(anchor.start).replace(/\s+/g, ' ').trim();
          anchors.push({ url: anchor.href, text: text || null, context: block.slice(0, anchor.start).replace(/\s+/g, ' ').trim() });
          anchor = null;
        }
        if (BLOCK_TAGS.has(name)) flush();
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();
  anchor = null;
  flush();
  return { blocks, anchors };
}
