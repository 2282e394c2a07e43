"""reporting: analysis from events (报表): prospects, owners, churn, value, complaints, satisfaction, KPIs of Guanxi."""
