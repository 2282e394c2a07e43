"""The printable rectification notice (整改通知单): one HTML page in Chinese, A4, no scripts, no external resources."""
from __future__ import annotations

import html
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from complaint.domain.complaints import Complaint

CATEGORY = {"quality": "质量投诉", "service": "服务投诉", "general": "一般投诉", "incident": "事故投诉"}
SEVERITY = {"minor": "轻微", "normal": "一般", "serious": "严重", "critical": "重大"}
CHANNEL = {"phone": "电话", "store": "到店", "web": "网站", "email": "电子邮件", "sms": "短信", "letter": "信函",
           "survey": "问卷调查", "wechat": "微信"}
NOTICE_STATUS = {"open": "待整改", "done": "已整改"}


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def _row(label: str, value: Any) -> str:
    text = "" if value is None else str(value)
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(text)}</td></tr>"


def rectification_html(notice: dict[str, Any], complaint: Complaint, customer_name: str | None,
                       zone: ZoneInfo) -> str:
    """The notice as a page to print and hand to the department (with lines to sign)."""
    due = notice["due_on"].isoformat() if notice["due_on"] else "未规定"
    rows = "\n".join([
        _row("通知单编号", notice["id"]),
        _row("责任部门", notice["department"]),
        _row("签发人", notice["issued_by"]),
        _row("签发时间", _local(notice["issued_at"], zone)),
        _row("整改期限", due),
        _row("状态", NOTICE_STATUS.get(notice["status"], notice["status"])),
    ])
    complaint_rows = "\n".join([
        _row("投诉编号", complaint.id),
        _row("客户", customer_name or "（未知）"),
        _row("门店", complaint.store_id or ""),
        _row("投诉渠道", CHANNEL.get(complaint.channel, complaint.channel)),
        _row("投诉类别", CATEGORY.get(complaint.category, complaint.category)),
        _row("严重程度", SEVERITY.get(complaint.severity, complaint.severity)),
        _row("受理时间", _local(complaint.filed_at, zone)),
        _row("投诉内容", complaint.description),
    ])
    done = ""
    if notice["status"] == "done":
        done = f"""<h2>整改结果</h2>
<table>
{_row("整改情况", notice["outcome"])}
{_row("完成人", notice["done_by"])}
{_row("完成时间", _local(notice["done_at"], zone))}
</table>"""
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>整改通知单 {html.escape(notice["id"])}</title>
<style>
@page {{ size: A4; margin: 20mm; }}
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; font-size: 11pt; color: #111; }}
h1 {{ font-size: 18pt; text-align: center; margin: 0 0 12pt; letter-spacing: 4pt; }}
h2 {{ font-size: 12pt; margin: 14pt 0 4pt; }}
table {{ border-collapse: collapse; width: 100%; break-inside: avoid; }}
th, td {{ border: 1px solid #777; padding: 4pt 6pt; text-align: left; vertical-align: top; }}
th {{ background: #eee; width: 8em; white-space: nowrap; }}
.action {{ min-height: 6em; white-space: pre-wrap; }}
.sign {{ margin-top: 28pt; display: flex; justify-content: space-between; }}
.sign span {{ display: inline-block; min-width: 14em; border-bottom: 1px solid #111; }}
</style></head><body>
<h1>整改通知单</h1>
<table>
{rows}
</table>
<h2>整改要求</h2>
<table><tr><td class="action">{html.escape(notice["required_action"])}</td></tr></table>
<h2>相关投诉</h2>
<table>
{complaint_rows}
</table>
{done}
<div class="sign"><p>责任部门负责人签字：<span></span></p><p>日期：<span></span></p></div>
<div class="sign"><p>客户关系部确认：<span></span></p><p>日期：<span></span></p></div>
</body></html>
"""
