"""The report page's style sheet: plain, printable, readable without the app."""

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 32px auto;
       max-width: 1160px; color: #1f2937; background: #ffffff; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; }
h2 { font-size: 17px; margin-top: 36px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
p.meta { color: #6b7280; margin-top: 0; }
p.headline { font-size: 15px; }
p.note { color: #6b7280; font-style: italic; }
p.warn { color: #b45309; }
img, svg.steps { max-width: 100%; border: 1px solid #e5e7eb; border-radius: 6px; }
table { border-collapse: collapse; margin: 12px 0; font-size: 13px; }
th, td { padding: 4px 12px; border-bottom: 1px solid #f0f0f0; vertical-align: top; }
th { text-align: left; background: #f9fafb; border-bottom: 1px solid #d1d5db; }
table.facts th { white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
pre.funnel-json { background: #f9fafb; border: 1px solid #e5e7eb; border-radius: 6px;
                  padding: 12px; font-size: 12px; overflow-x: auto; }
"""
