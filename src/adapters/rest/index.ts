// The REST adapter: routes, the error table and the OpenAPI document.
export { HTTP_STATUS } from './error-table.js';
export { parseJsonBody, snake } from './json.js';
export { registerRestRoutes, restActor, parsePageTail } from './routes.js';
export { openApiDocument } from './openapi.js';
