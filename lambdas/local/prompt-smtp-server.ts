import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';

/**
 * smtp-server pauses 100 ms on every new connection before its greeting, to catch spammers who talk
 * first ("early talkers"). The local SMTP port only hears the developer's own test suites, which
 * mostly open one connection per message, so that pause would cost every message 100 ms and cap a
 * connection at ten messages a second. These classes greet at once; the rest is smtp-server's code.
 */
class PromptConnection extends SMTPConnection {
  override init(): void {
    this._setListeners(() => {
      const server = (this as unknown as { _server: ServerInternals })._server;
      const { maxClients } = server.options;
      if (maxClients && server.connections.size > maxClients) {
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      }
      this.connectionReady();
    });
  }
}

interface ServerInternals {
  options: { maxClients?: number };
  connections: Set<unknown>;
  _onError(err: Error): void;
  _onClientConnect(data: unknown): void;
}

export class PromptSmtpServer extends SMTPServer {
  /** Same as SMTPServer.connect (smtp-server 3.x), with the prompt connection. */
  connect(socket: unknown, socketOptions: unknown): void {
    const self = this as unknown as ServerInternals;
    const connection = new PromptConnection(this, socket, socketOptions);
    self.connections.add(connection);
    connection.on('error', (err: Error) => self._onError(err));
    connection.on('connect', (data: unknown) => self._onClientConnect(data));
    connection.init();
  }
}
