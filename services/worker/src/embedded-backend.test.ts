import { backendContract } from './backend.contract.js';
import { loadConfig } from './config.js';
import { EmbeddedBackend } from './embedded-backend.js';
import { THREAD_URL } from './test-support.js';

backendContract('embedded', (env) => {
  const backend = new EmbeddedBackend(loadConfig({ LOG_LEVEL: 'silent', ...env }), { threadUrl: THREAD_URL });
  return Promise.resolve({
    backend,
    startWorker: () => Promise.resolve(backend.startWorker()),
    close: () => backend.close(),
  });
});
