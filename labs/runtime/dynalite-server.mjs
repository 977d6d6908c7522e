// dynalite in a process of its own, as a real DynamoDB endpoint is: started by labs/runtime/dynamodb.ts.
// Plain JavaScript so that it starts without a TypeScript loader. Usage: node dynalite-server.mjs <port>
// It prints "listening <port>" once it accepts connections, and exits when its parent goes away.
import dynalite from 'dynalite';

const port = Number(process.argv[2]);
// Tables become ACTIVE at once: the lab creates its table on start and should not wait 500 ms.
const server = dynalite({ createTableMs: 0, updateTableMs: 0, deleteTableMs: 0 });
server.on('error', (error) => {
  process.stderr.write(`dynalite: ${error.message}\n`);
  process.exit(1);
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`));
// The IPC channel closes when the parent exits, however it exits: never outlive it.
process.on('disconnect', () => process.exit(0));
