// Styles for the network map, injected once by map.js (the bundle is inlined
// in the report, so there is no separate stylesheet to load).
export const CSS = `
.gs-map{position:relative;display:flex;flex-direction:column;box-sizing:border-box;
  border:1px solid #d9dce1;border-radius:6px;background:#fff;overflow:hidden;
  font:13px/1.35 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328}
.gs-map *,.gs-map *::before,.gs-map *::after{box-sizing:border-box}
.gs-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 16px;padding:6px 10px;
  border-bottom:1px solid #e5e7eb;background:#f7f8fa}
.gs-field{display:inline-flex;align-items:center;gap:6px;font-weight:600}
.gs-field select,.gs-field input{font:inherit;font-weight:400;padding:3px 6px;
  border:1px solid #b8bec7;border-radius:4px;background:#fff;color:inherit}
.gs-field input{width:14em}
.gs-field input[aria-invalid=true]{border-color:#c62828}
.gs-status{color:#c62828;min-width:4em}
.gs-summary{margin-left:auto;color:#57606a}
.gs-stage{position:relative;flex:1 1 auto;min-height:0}
.gs-canvas{position:absolute;inset:0}
.gs-legend{position:absolute;top:8px;left:8px;max-height:calc(100% - 16px);max-width:16em;
  overflow:auto;padding:6px 8px;background:rgba(255,255,255,.92);border:1px solid #e5e7eb;
  border-radius:4px;z-index:2}
.gs-legend-title{font-weight:600;margin-bottom:2px}
.gs-legend-list{list-style:none;margin:0;padding:0}
.gs-legend-item{display:flex;align-items:center;gap:6px;width:100%;padding:1px 2px;border:0;
  background:none;font:inherit;color:inherit;text-align:left;cursor:pointer;border-radius:3px}
.gs-legend-item:hover,.gs-legend-item[aria-pressed=true]{background:#e8eefc}
.gs-swatch{flex:none;width:11px;height:11px;border-radius:50%;border:1px solid rgba(0,0,0,.2)}
.gs-legend-value{flex:1 1 auto;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.gs-legend-count{color:#6e7781;font-variant-numeric:tabular-nums}
.gs-legend-note{margin-top:4px;color:#6e7781;font-size:11px}
.gs-zoom{position:absolute;right:8px;bottom:8px;display:flex;flex-direction:column;gap:4px;z-index:2}
.gs-zoom button{width:30px;height:30px;font:16px/1 inherit;border:1px solid #b8bec7;
  border-radius:4px;background:#fff;color:inherit;cursor:pointer}
.gs-zoom button:hover{background:#f0f2f5}
.gs-map button:focus-visible,.gs-map select:focus-visible,.gs-map input:focus-visible,
.gs-canvas:focus-visible{
  outline:2px solid #1f6feb;outline-offset:1px}
.gs-tooltip{position:absolute;top:0;left:0;z-index:3;max-width:22em;padding:6px 8px;
  pointer-events:none;background:rgba(255,255,255,.97);border:1px solid #c9ced6;
  border-radius:4px;box-shadow:0 2px 8px rgba(0,0,0,.12)}
.gs-tooltip[hidden]{display:none}
.gs-tooltip-title{font-weight:600;word-break:break-all}
.gs-tooltip-id{color:#6e7781;word-break:break-all}
.gs-tooltip dl{display:grid;grid-template-columns:auto 1fr;gap:1px 8px;margin:4px 0 0}
.gs-tooltip dt{color:#57606a}
.gs-tooltip dd{margin:0;word-break:break-word}
.gs-error{margin:16px;color:#c62828}
`;
