/** What other parts of the workbench may use of the bindings: members and writers in other OS processes. */
export { childProcesses, fixtureExtras } from './fixture.ts';
