"""Customer data (客户数据), one module per page: imports of customers and vehicles (imports), exports of a
customer search (exports), likely duplicates with a side-by-side merge preview, merge and undo (merges), and a
customer's personal data (personal). What they share is in common (the blueprint, the words) and uploads (the
API's multipart upload, and files kept between a dry run and the import)."""
from console.views.data import exports, imports, merges, personal
from console.views.data.common import blp
from console.views.data.exports import EXPORT_FILTERS

__all__ = ["EXPORT_FILTERS", "blp", "exports", "imports", "merges", "personal"]
