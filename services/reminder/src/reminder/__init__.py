"""reminder: who to contact, when and why (提醒): rules, reminders, tasks, notifications, appointments of Guanxi."""
