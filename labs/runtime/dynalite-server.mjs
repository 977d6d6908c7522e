// dynalite in a process of its own, as a real DynamoDB endpoint is: started by labs/runtime/dynamodb.ts.
// Plain JavaScript so that it starts without a TypeScript loader.
// Usage: node dynalite-server.mjs <port> [<LevelDB directory>]   (without a directory: in memory)
// It prints "listening <port>" once it accepts connections, and exits when its parent goes away.
import dynalite from 'dynalite';

const port = Number(process.argv[2]);
const path = process.argv[3];
// Tables become ACTIVE at once: the lab creates its table on start and should not wait 500 ms.
const server = dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0, ...(path ? { path } : {}) });
server.on('error', (error) => {
  process.stderr.write(`dynalite: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
// Stopped (a restart drill, or the end of the run): close the server and its LevelDB files before
// exiting, so that the next start on the same directory finds every write and no lock.
const close = () => server.close(() => process.exit(0));
process.on('SIGTERM', close);
// The IPC channel closes when the parent exits, however it exits: never outlive it.
process.on('disconnect', () => process.exit(0));
