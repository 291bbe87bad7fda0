"""The bench report: analysis of results.json, plots, cost model, flowchart, Markdown and HTML."""
