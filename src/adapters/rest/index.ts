// The REST adapter: wiki and management routes, rate limits, the error table and the OpenAPI document.
export { HTTP_STATUS } from './error-table.js';
export { parseJsonBody, snake } from './json.js';
export { registerRestRoutes, restActor, parsePageTail } from './routes.js';
export { registerManagementRoutes } from './management-routes.js';
export { registerSyncRoutes } from './sync-routes.js';
export { registerRateLimit } from './rate-limit.js';
export { openApiDocument } from './openapi.js';
