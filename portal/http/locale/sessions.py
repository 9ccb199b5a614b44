"""Strings of signing out everywhere."""

EN: dict[str, str] = {
    "Выход на всех устройствах": "Sign out everywhere",
    "Завершить все сеансы, включая этот: например, если вы потеряли устройство или "
    "входили с чужого компьютера.": (
        "End every session, this one included: for example if you lost a device or signed "
        "in on someone else's computer."
    ),
    "Выйти на всех устройствах": "Sign out on all devices",
    "Вы вышли из личного кабинета на всех устройствах.": "You are signed out on all devices.",
}
