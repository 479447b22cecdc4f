import { replyToMessage, sendMessage } from '../core/sending';
import { coreRoutes } from './core-routes';
import type { Route } from './route';
import { sendingRoutes } from './sending-routes';

/** The whole route table, sending included: the local stack, the sending function and the OpenAPI document use it. */
export const routes: Route[] = [...coreRoutes, ...sendingRoutes({ sendMessage, replyToMessage })];
