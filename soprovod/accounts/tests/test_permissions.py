from soprovod.clients.permissions import can_edit_client, clients_visible_to


def test_client_contact_sees_only_own_company(companies):
    assert list(clients_visible_to(companies.client1)) == [companies.a]
    assert list(clients_visible_to(companies.client2)) == [companies.b]


def test_sales_see_only_clients_they_sold(staff, companies):
    assert list(clients_visible_to(staff.sales)) == [companies.a]
    assert list(clients_visible_to(staff.sales2)) == [companies.b]


def test_development_sees_no_portfolio(staff, companies):
    assert not clients_visible_to(staff.dev).exists()


def test_department_and_ceo_read_everything(staff, companies):
    for user in (
        staff.head,
        staff.support,
        staff.csm,
        staff.engineer,
        staff.implementation,
        staff.ceo,
    ):
        assert clients_visible_to(user).count() == 2, user


def test_success_manager_edits_own_clients_only(staff, companies):
    assert can_edit_client(staff.csm, companies.a)
    assert not can_edit_client(staff.csm, companies.b)
    assert can_edit_client(staff.head, companies.b)
    assert not can_edit_client(staff.ceo, companies.a)
    assert not can_edit_client(staff.sales, companies.a)
