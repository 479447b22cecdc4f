import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { createMcpServer } from '../mcp/server';

const HELP = `mailroom <command>

Commands:
  mcp     an MCP server on stdio for AI agents, over your Mailroom's REST API

Environment:
  MAILROOM_API_URL   the API's base URL (the stack's ApiUrl output, or http://127.0.0.1:3000 for npm start)
  MAILROOM_API_KEY   an mr_… API key; the tools offered follow its scopes
`;

async function main(argv: string[]): Promise<number> {
  const [command] = argv;
  if (command === 'mcp') {
    const apiUrl = process.env.MAILROOM_API_URL;
    const apiKey = process.env.MAILROOM_API_KEY;
    if (!apiUrl || !apiKey) {
      process.stderr.write('mailroom mcp needs MAILROOM_API_URL and MAILROOM_API_KEY\n');
      return 2;
    }
    const server = await createMcpServer({ apiUrl, apiKey });
    await server.connect(new StdioServerTransport());
    return -1;
  }
  process.stdout.write(HELP);
  return command === undefined || command === '--help' || command === 'help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    // -1: a server keeps running until its client goes away.
    if (code >= 0) process.exit(code);
  },
  (err: Error) => {
    process.stderr.write(`mailroom: ${err.message}\n`);
    process.exit(1);
  },
);
