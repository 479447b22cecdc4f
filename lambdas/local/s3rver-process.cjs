// Runs s3rver in a process of its own, so serving objects uses another core than SMTP, parsing
// and the API. Started by s3-local.ts with its options as JSON in argv[2]; prints {"port":n} once
// listening, and exits when its parent goes away (stdin closes), so it is never left behind.
const S3rver = require('s3rver');

const options = JSON.parse(process.argv[2]);
const server = new S3rver({ ...options, silent: true });
server.run().then(
  ({ port }) => process.stdout.write(`${JSON.stringify({ port })}\n`),
  (err) => {
    process.stderr.write(`s3rver could not start: ${err.message}\n`);
    process.exit(1);
  },
);
const stop = () => server.close().finally(() => process.exit(0));
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
