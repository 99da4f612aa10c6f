export { APP_ROUTES, isAppRoute, type AppRoute } from './appRoutes.js';
export { HEALTH_PATH, type HealthReport } from './health.js';
export * from './api/accountsApi.js';
export * from './api/auditApi.js';
export * from './api/pushApi.js';
export * from './api/blobApi.js';
export * from './api/apiErrorCodes.js';
export * from './api/handles.js';
export * from './encoding/index.js';
