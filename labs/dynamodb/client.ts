/**
 * The DynamoDB client's settings, computed from values passed in. The environment is read once, here,
 * when the module loads (`AWS_CONNECTION`): stores and runtimes pass what they were given instead of
 * each reading (or writing) `process.env`.
 */
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

export interface AwsConnection {
  region: string;
  /**
   * True when the environment holds AWS credentials (keys, a profile or a web identity): the SDK's
   * default chain finds them. False: dynalite and DynamoDB Local accept any credentials, so fixed fake
   * ones are sent (the SDK refuses to sign without any).
   */
  useDefaultCredentials: boolean;
}

export function awsConnectionFrom(env: NodeJS.ProcessEnv): AwsConnection {
  return {
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    useDefaultCredentials: Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE),
  };
}

/** This process's AWS settings, read once. */
export const AWS_CONNECTION: AwsConnection = awsConnectionFrom(process.env);

// The SDK release pinned in package-lock.json supports Node 20; its start-up warning is about SDK
// releases after early 2027, which this project does not take until it moves to Node 22. The SDK only
// reads this switch from the environment, once per process: set it once, here, unless the user did.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Client settings for an endpoint (dynalite, DynamoDB Local, or AWS with its real endpoint). */
export function dynamoDbClientConfig(endpoint: string, connection: AwsConnection = AWS_CONNECTION): DynamoDBClientConfig {
  return {
    endpoint,
    region: connection.region,
    ...(connection.useDefaultCredentials ? {} : { credentials: { accessKeyId: 'workbench', secretAccessKey: 'workbench' } }),
    maxAttempts: 4,
  };
}

export function createDynamoDbClient(endpoint: string, connection: AwsConnection = AWS_CONNECTION): DynamoDBClient {
  return new DynamoDBClient(dynamoDbClientConfig(endpoint, connection));
}
