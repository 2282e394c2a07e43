"""Reports (报表): every report the reporting service serves, each with its figures as tables (a bar beside each
figure, drawn by the browser so Chinese labels always show), filters for period and store, and its CSV as the
API makes it; a value segment's customers page by page; the monthly summary as a printable page.

The pages (pages), the files (downloads), the figures as tables and workbooks (tables), the words (words); the
blueprint and the filters in common."""
from console.views.reports import downloads, pages
from console.views.reports.common import blp
from console.views.reports.tables import XLSX, workbook_of

__all__ = ["XLSX", "blp", "downloads", "pages", "workbook_of"]
