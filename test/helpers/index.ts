export { buildTestApp, type TestApp, type TestAppOptions, type TestOrg } from './app.js';
export { testConfig, testDataDir, TEST_ADMIN_KEY, TEST_SECRET_KEY } from './config.js';
export { createTestDatabase, createEmptyTestDatabase, TEST_PG_ADMIN_URL, type TestDatabase } from './db.js';
export { testRedisPrefix, createTestRedis, clearRedisPrefix, TEST_REDIS_URL } from './redis.js';
