import Fastify from 'fastify';

/** The HTTP floor: a bare Fastify route answering a constant, nothing else. */
const app = Fastify({ logger: false });
app.get('/', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
