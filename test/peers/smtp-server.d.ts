// smtp-server ships no type declarations; this covers the part the loopback SMTP peer uses.
declare module 'smtp-server' {
  import type { Server } from 'node:net';
  import type { Readable } from 'node:stream';
  export interface SMTPAddress {
    readonly address: string;
  }
  export interface SMTPSession {
    readonly envelope: { readonly mailFrom: SMTPAddress | false; readonly rcptTo: readonly SMTPAddress[] };
  }
  export interface SMTPError extends Error {
    responseCode?: number;
  }
  export interface SMTPServerOptions {
    authOptional?: boolean;
    disabledCommands?: string[];
    logger?: boolean;
    onRcptTo?(address: SMTPAddress, session: SMTPSession, callback: (error?: SMTPError | null) => void): void;
    onData?(stream: Readable, session: SMTPSession, callback: (error?: SMTPError | null) => void): void;
  }
  export class SMTPServer {
    constructor(options: SMTPServerOptions);
    listen(port: number, host: string, callback: () => void): void;
    close(callback: () => void): void;
    readonly server: Server;
  }
}
