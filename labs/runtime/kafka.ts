/**
 * A real Apache Kafka broker for the labs and tests, without docker: the public face of
 * `labs/runtime/kafka/` — the jars and the JDK (jars.ts), the broker's configuration and lifecycle
 * (broker.ts), its JVM as a process (jvm.ts). See docs/labs/kafka-broker.md.
 */
export { KafkaStartError, type KafkaLog } from './kafka/commands.ts';
export { fetchKafkaJars, KAFKA_VERSION, type KafkaJars, type KafkaJarsOptions } from './kafka/jars.ts';
export { kafkaBrokersFromEnv, startKafka, type KafkaBroker, type StartKafkaOptions } from './kafka/broker.ts';
export { startKafkaCluster, type RunningKafkaCluster, type KafkaClusterFault } from './kafka/cluster.ts';
