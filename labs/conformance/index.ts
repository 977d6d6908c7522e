/** The specification's public face: the scenarios, how to run them, and what a result means. */
export * from './scenario.ts';
export { scenarios, scenarioById } from './scenarios.ts';
export { runScenario, runConformance, selectScenarios, skippedReport, type RunOptions, type ScenarioObserver, type FixtureExtras } from './runner.ts';
export * from './verdict.ts';
export * from './capability-matrix.ts';
export { formatReportTable } from './report.ts';
export type { GroupMemberArgs, HandledRecord } from './child-tasks.ts';
