"""The built-in message templates: one per rule kind and language (Chinese first, English second), and the
fields a template may name (reminder.domain.messages fills them in)."""
from __future__ import annotations

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"

#: Every field a template may name, with what it holds (shown in the 422 naming an unknown one).
FIELDS: dict[str, str] = {
    "customer_name": "the customer's name (客户 when it may not be used)",
    "name": "the same as customer_name (kept for older templates)",
    "plate": "the vehicle's plate",
    "model": "the vehicle's model",
    "vehicle": "model and plate, as far as known: 雅阁（粤B12345）",
    "due_date": "the day the reminder is due",
    "delivered_on": "the vehicle's delivery day",
    "expires_on": "the day the contract or insurance ends",
    "inspection_date": "the day the vehicle's inspection is due",
    "years": "how many years since delivery (vehicle anniversary)",
    "festival": "the festival's name (holiday greeting)",
    "appointment_time": "the missed appointment's day and time",
    "message": "the text of a notice to many customers (broadcast)",
    "store_name": "the customer's store, when its name is configured",
    "store_phone": "the store's phone, when configured",
    "store_contact": "a sentence with the store's name and phone, empty when unknown",
    "rule": "the rule's name",
    "staff_name": "the member of staff a staff notification goes to",
    "complaint_id": "the complaint an escalation is about",
    "level": "the escalation level (经理, 总经理)",
    "severity": "the complaint's severity",
    "category": "the complaint's category",
    "escalation_reason": "why the complaint was escalated",
}

_ZH = {
    "delivery_callback": "尊敬的{customer_name}，感谢您选择我们，您的爱车{vehicle}已于{delivered_on}交付。"
                         "我们的顾问近期将与您联系，了解您的用车感受。{store_contact}",
    "first_maintenance": "尊敬的{customer_name}，您的爱车{vehicle}即将到首次保养时间（约{due_date}），"
                         "请提前预约到店保养。{store_contact}",
    "next_maintenance": "尊敬的{customer_name}，您的爱车{vehicle}即将到保养时间（约{due_date}），"
                        "请提前预约到店保养。{store_contact}",
    "annual_inspection": "尊敬的{customer_name}，您的爱车{vehicle}的年检将于{inspection_date}到期，"
                         "请及时办理，我们可为您代办。{store_contact}",
    "renewal": "尊敬的{customer_name}，您的{vehicle}相关合约将于{expires_on}到期，请及时续约。{store_contact}",
    "insurance_renewal": "尊敬的{customer_name}，您的爱车{vehicle}的保险将于{expires_on}到期，"
                         "请及时续保。{store_contact}",
    "birthday": "尊敬的{customer_name}，祝您生日快乐！",
    "vehicle_anniversary": "尊敬的{customer_name}，您的爱车{vehicle}今天{years}岁了！感谢您一路以来的信任与陪伴。"
                           "{store_contact}",
    "holiday_greeting": "尊敬的{customer_name}，{festival}将至，祝您节日快乐，阖家幸福！",
    "complaint_callback": "尊敬的{customer_name}，您反映的问题已处理完毕，我们将与您联系回访，"
                          "感谢您的理解与支持。{store_contact}",
    "contact_cadence": "尊敬的{customer_name}，好久不见，感谢您一直以来的支持！用车中有任何需要，欢迎随时联系我们。"
                       "{store_contact}",
    "lost_customer": "尊敬的{customer_name}，好久不见！您的爱车{vehicle}近来可好？欢迎回店检查保养。{store_contact}",
    "no_show_follow_up": "尊敬的{customer_name}，您预约的{appointment_time}到店未能如约，如需重新预约，"
                         "请与我们联系。{store_contact}",
    "broadcast": "尊敬的{customer_name}，{message}",
    "complaint_escalation": "【投诉升级】{staff_name}您好：客户{customer_name}的{severity}投诉（{category}）"
                            "已升级至{level}：{escalation_reason}。请尽快处理（投诉编号 {complaint_id}）。",
}
_EN = {
    "delivery_callback": "Dear {customer_name}, thank you for choosing us. Your {vehicle} was delivered on "
                         "{delivered_on}; our adviser will call you soon to hear how it suits you. {store_contact}",
    "first_maintenance": "Dear {customer_name}, your {vehicle} is due for its first service around {due_date}. "
                         "Please book a visit. {store_contact}",
    "next_maintenance": "Dear {customer_name}, your {vehicle} is due for a service around {due_date}. "
                        "Please book a visit. {store_contact}",
    "annual_inspection": "Dear {customer_name}, the inspection of your {vehicle} is due on {inspection_date}; "
                         "we can arrange it for you. {store_contact}",
    "renewal": "Dear {customer_name}, the contract for your {vehicle} ends on {expires_on}; please renew it in "
               "time. {store_contact}",
    "insurance_renewal": "Dear {customer_name}, the insurance of your {vehicle} ends on {expires_on}; please renew "
                         "it in time. {store_contact}",
    "birthday": "Dear {customer_name}, happy birthday!",
    "vehicle_anniversary": "Dear {customer_name}, your {vehicle} is {years} today! Thank you for your trust. "
                           "{store_contact}",
    "holiday_greeting": "Dear {customer_name}, best wishes for the {festival}!",
    "complaint_callback": "Dear {customer_name}, the matter you raised has been dealt with; we will call you to "
                          "hear whether you are satisfied. {store_contact}",
    "contact_cadence": "Dear {customer_name}, thank you for staying with us. Whatever your car needs, we are here. "
                       "{store_contact}",
    "lost_customer": "Dear {customer_name}, we have missed you! How is your {vehicle}? You are welcome back for a "
                     "check-up. {store_contact}",
    "no_show_follow_up": "Dear {customer_name}, we missed you at your appointment of {appointment_time}; please "
                         "contact us to book again. {store_contact}",
    "broadcast": "Dear {customer_name}, {message}",
    "complaint_escalation": "[Complaint escalated] {staff_name}: the {severity} complaint ({category}) of "
                            "{customer_name} was escalated to {level}: {escalation_reason}. Please act on it "
                            "(complaint {complaint_id}).",
}
#: The built-in template of every rule kind, per language.
TEMPLATES: dict[str, dict[str, str]] = {kind: {"zh-CN": _ZH[kind], "en": _EN[kind]} for kind in _ZH}
