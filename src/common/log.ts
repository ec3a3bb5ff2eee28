/** Structured logging (pino) to stderr; level from NETPLUGIN_LOG_LEVEL (default info). */
import { pino, type Logger } from 'pino';

/** Creates the process logger for a named component. */
export function createLogger(component: string): Logger {
  return pino({ name: component, level: process.env.NETPLUGIN_LOG_LEVEL ?? 'info' }, pino.destination(2));
}

export type { Logger };
