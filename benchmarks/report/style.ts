/** The report's stylesheet. The summary table wraps its cells and puts notes on a row of their own: it fits 1280 px. */
export const REPORT_CSS = `
  :root { --fg: #1d2330; --muted: #5b6475; --line: #dde1e8; --bg: #f6f7f9; --card: #fff; --accent: #2457c5; --warn: #9a3412; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { padding: 20px 28px 8px; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 17px; margin: 28px 0 4px; }
  h3 { font-size: 14px; margin: 0 0 8px; }
  main { padding: 0 28px 40px; }
  @media (max-width: 600px) { main { padding: 0 10px 30px; } header { padding: 14px 10px 6px; } }
  .lede { color: var(--muted); max-width: 1100px; margin: 4px 0 0; }
  .banner { background: #fff4e5; border: 1px solid #f5c08a; color: var(--warn); border-radius: 6px; padding: 6px 10px; margin: 8px 0 0; max-width: 1100px; }
  .warn { color: var(--warn); }
  table { border-collapse: collapse; background: var(--card); font-variant-numeric: tabular-nums; width: 100%; }
  th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); text-align: right; }
  th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
  td:first-child { max-width: 220px; overflow-wrap: anywhere; }
  th { background: #eef1f6; position: sticky; top: 0; font-weight: 600; }
  tr.run td { border-bottom: none; }
  tr.notes td { text-align: left; color: var(--muted); font-size: 12px; padding: 0 6px 4px 18px; }
  tr.saturated td.ops, span.sat { color: var(--warn); font-weight: 600; }
  td small { display: block; color: var(--muted); font-size: 11px; font-weight: normal; }
  tr.skipped td { color: #9aa1ad; }
  .better { color: #1a7f37; } .worse { color: #c62828; }
  .tablewrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 6px; max-height: 640px; }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(460px, 100%), 1fr)); gap: 14px; margin-top: 10px; }
  /* min-width 0: a grid item is otherwise as wide as its widest table, and the page scrolls sideways on a phone. */
  .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px 12px; min-width: 0; }
  .card.wide { grid-column: 1 / -1; }
  td:nth-child(2), td:nth-child(3) { white-space: nowrap; }
  .card p { margin: 0 0 6px; color: var(--muted); font-size: 12px; }
  .chart { position: relative; height: 300px; }
  .chart.tall { height: 420px; }
  details summary { cursor: pointer; color: var(--muted); font-size: 12px; }
  .desc { color: var(--muted); margin: 0; }
  .env { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px; margin-top: 14px; }
  .env p, .env ul { margin: 4px 0; color: var(--muted); overflow-wrap: anywhere; }
  .banner, .desc, h1 { overflow-wrap: anywhere; }
  code { font-size: 12px; }
  .steps td, .steps th { font-size: 12px; white-space: nowrap; }
  .steps td.note { white-space: normal; min-width: 180px; }
  td.note { text-align: left; color: var(--muted); font-size: 12px; }
  h3.mode { margin: 14px 0 0; color: var(--muted); font-weight: 600; }
`;
