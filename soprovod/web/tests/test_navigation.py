"""The main menu's groups (soprovod.web.navigation): every section has a group, a group the
user has one section of is that section's own link, and a group shows its sections' counts."""

from soprovod.web.navigation import (
    GROUP_OF,
    GROUPS,
    MORE,
    SECTIONS,
    UNGROUPED,
    NavGroup,
    NavItem,
    grouped_menu,
    navigation_for,
)


def test_every_section_has_a_group():
    grouped = set(GROUP_OF) | UNGROUPED
    missing = [name for name, _label, _allowed in SECTIONS if name not in grouped]
    assert not missing, f"add these URL names to GROUP_OF: {missing}"
    assert set(GROUP_OF.values()) <= {key for key, _label in GROUPS}
    assert MORE not in GROUP_OF.values()


def _item(label, count=None, active=False):
    return NavItem(label, f"/{label}/", active, count)


def test_a_group_of_one_section_is_its_link_and_the_rest_are_dropdowns_in_order():
    menu = grouped_menu(
        [
            ("home", _item("home")),
            ("kpi:dashboard", _item("kpi")),
            ("tickets:queue", _item("tickets", active=True)),
            ("escalations:inbox", _item("escalations", count=3)),
            ("some:new_section", _item("new")),
        ]
    )
    assert [entry.label for entry in menu] == ["home", "Работа", "kpi", "new"]
    work = menu[1]
    assert isinstance(work, NavGroup)
    assert [item.label for item in work.items] == ["tickets", "escalations"]
    assert work.active and work.count == 3
    assert isinstance(menu[2], NavItem)  # the only report section: a plain link
    assert isinstance(menu[3], NavItem)  # one section left out of GROUP_OF: its own link too


def test_the_heads_menu_fits_a_few_groups(staff):
    items, menu = navigation_for(staff.head, "/tickets/")
    assert len(items) >= 15
    assert len(menu) <= 7  # home and the groups, not twenty links
    assert sum(len(entry.items) if isinstance(entry, NavGroup) else 1 for entry in menu) == len(
        items
    )
    assert [entry.label for entry in menu if isinstance(entry, NavGroup) and entry.active] == [
        "Работа"
    ]


def test_a_client_contact_sees_plain_links(companies):
    _items, menu = navigation_for(companies.client1, "/portal/")
    assert all(isinstance(entry, NavItem) for entry in menu)
