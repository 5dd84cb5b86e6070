/** The git remote: smart HTTP clone, fetch and push at `/<owner>/<wiki>.git`. */
export { registerGitHttpRoutes } from './routes.js';
export { GIT_ERRORS, gitErrorText, type GitErrorShape } from './error-table.js';
