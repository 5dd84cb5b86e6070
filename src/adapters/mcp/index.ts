// The MCP adapter: routes, the per-request server and its tools, the error table, and the bearer-token seam OAuth plugs into.
export { authenticateBearer, clientNameOf, sendInsufficientScope, sendUnauthorized } from './auth.js';
export { MCP_ERROR_ADVICE, toolErrorResult } from './error-table.js';
export { serverInstructions } from './instructions.js';
export { DEFAULT_ALLOWED_ORIGINS, registerMcpRoutes, type McpRouteOptions } from './routes.js';
export { buildMcpServer, MCP_TOOLS, SERVER_INFO, toolDefinitions, type McpRequestContext } from './server.js';
