"""The rules every installation starts with, from the seeds' defaults (PRODUCT.md 2.3), and the call scripts
(话术) they come with; managers may change or switch them off, and a reset puts one back."""
from __future__ import annotations

from datetime import time

from reminder.domain.reminder_rules import Rule

#: The call scripts (话术) the built-in rules start with (seeded, and restored by a reset); {name}, {plate}
#: and {model} are filled in for the task's customer and vehicle.
SCRIPTS = {
    "delivery_callback_3d": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）提车已"
                             "经三天了，想了解一下您的用车感受：车辆使用是否顺利？交车时的讲解是否清楚？对我们"
                             "的服务还满意吗？有任何问题可以随时联系我们。"),
    "delivery_callback_1m": ("您好，请问是{name}吗？我是门店的客服顾问。您的爱车（{plate}）已经陪"
                             "伴您一个月了，想回访一下：车辆各项功能使用得还习惯吗？有没有需要我们协助的地方？"
                             "另外提醒您，首次保养在提车后3个月或3000公里内（以先到者为准），可以提前为您"
                             "预约。"),
    "complaint_callback": ("您好，请问是{name}吗？我是门店的客服顾问。关于您之前反映的问题，我们已经处"
                           "理完毕，想跟您确认一下：问题是否已经解决？您对处理的过程和结果是否满意？还有什么"
                           "需要我们改进的地方吗？"),
    "lost_customer": ("您好，请问是{name}吗？我是门店的客服顾问。好久没有在店里见到您了，想问一下"
                      "您的爱车最近使用情况如何？最近是在哪里做的保养？如果对我们有任何意见，欢迎告诉我"
                      "们，我们这边可以为您预约保养并介绍当前的优惠。"),
}


def builtin_rules() -> list[Rule]:
    """The rules every installation starts with (the seeds' defaults); managers may change or switch them off."""
    ten = time(10, 0)
    return [
        Rule("delivery_callback_3d", "delivery_callback", "三天回访 (callback 3 days after delivery)",
             params={"days": 3, "months": 0}, builtin=True),
        Rule("delivery_callback_1m", "delivery_callback", "首月回访 (callback one month after delivery)",
             params={"days": 0, "months": 1}, builtin=True),
        Rule("first_maintenance", "first_maintenance", "首保 (first maintenance: 3 months or 3,000 km)",
             channels=("sms",), builtin=True),
        Rule("next_maintenance", "next_maintenance", "保养提醒 (next maintenance, predicted from mileage)",
             channels=("sms",), builtin=True),
        Rule("annual_inspection", "annual_inspection", "年检提醒 (vehicle inspection)", channels=("sms",),
             builtin=True),
        Rule("renewal", "renewal", "续保/续约 (contract renewal one month before expiry)", builtin=True),
        Rule("insurance_renewal", "insurance_renewal", "车险续保 (insurance renewal one month before the "
             "delivery anniversary)", builtin=True),
        Rule("birthday", "birthday", "生日祝福 (birthday greeting)", task=False, channels=("sms",),
             time_of_day=ten, builtin=True),
        Rule("vehicle_anniversary", "vehicle_anniversary", "爱车周年 (您的爱车一岁了)", task=False,
             channels=("sms",), time_of_day=ten, builtin=True),
        Rule("holiday_greeting", "holiday_greeting", "节日问候 (holiday greeting)", task=False, channels=("sms",),
             time_of_day=ten, builtin=True),
        Rule("complaint_callback", "complaint_callback", "投诉回访 (callback after a complaint is resolved)",
             builtin=True),
        Rule("contact_cadence", "contact_cadence", "定期联系 (no customer more than a month without contact)",
             builtin=True),
        Rule("lost_customer", "lost_customer", "流失客户挽回 (no visit in 6 months: win-back call)", builtin=True),
        Rule("no_show_follow_up", "no_show_follow_up", "爽约跟进 (follow up a missed appointment)", builtin=True),
        Rule("broadcast", "broadcast", "店外关怀通知 (a notice to many customers: bad weather, recalls, events)",
             task=False, channels=("sms",), time_of_day=ten, builtin=True),
        Rule("complaint_escalation", "complaint_escalation", "投诉升级 (a task for the person a complaint is "
             "escalated to)", builtin=True),
    ]
