import { MailroomError } from '../core/errors';
import { coreRoutes } from './core-routes';
import type { Route } from './route';
import { sendingRoutes } from './sending-routes';

const servedBySendingFunction = (): never => {
  throw new MailroomError('internal', 'sending is served by the sending function; this request reached the wrong one');
};

/**
 * The route table for the API functions that do not send: API Gateway routes sends to the sending function, so
 * these keep sending's descriptions (for the OpenAPI document) without its MIME building and parsing.
 */
export const routesWithoutSending: Route[] = [...coreRoutes, ...sendingRoutes({ sendMessage: servedBySendingFunction, replyToMessage: servedBySendingFunction })];
