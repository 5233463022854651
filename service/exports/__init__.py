"""Exports for people who work in spreadsheets and documents: plans and the overview as
XLSX and CSV (as Danish Excel reads them), and the annual report's account of the year's
results as Markdown and HTML."""
