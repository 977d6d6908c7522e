export async function runKafkaTour(_brokers: string[], narrate: (line: string) => void): Promise<void> {
  narrate('(tour coming)');
}
