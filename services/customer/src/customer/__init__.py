"""customer: the customer archive (客户档案) of Guanxi: customers, assets, visits and their history."""
