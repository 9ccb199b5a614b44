"""English strings of the account, staff, administration and accessibility pages."""

EN: dict[str, str] = {
    # Layout
    "Перейти к содержанию": "Skip to content",
    "Основное меню": "Main menu",
    "Профиль": "Profile",
    "Мои заявки": "My appeals",
    "Ведомства": "Departments",
    "Тематики": "Topics",
    "Муниципальные образования": "Municipalities",
    "Шаблоны ответов": "Answer templates",
    "Администрирование": "Administration",
    "Настройки": "Settings",
    "Выйти": "Sign out",
    "Вход": "Sign in",
    "Регистрация": "Register",
    "Версия для слабовидящих": "Version for the visually impaired",
    "Настройки версии для слабовидящих": "Settings of the version for the visually impaired",
    "Для сотрудников": "For staff",
    "Политика обработки персональных данных": "Personal data policy",
    "Ошибка": "Error",
    "На главную": "Home page",
    # Accessibility
    "Размер шрифта": "Font size",
    "Цвет сайта": "Site colours",
    "Интервал между буквами": "Letter spacing",
    "Включить версию для слабовидящих": "Turn on the version for the visually impaired",
    "Основная версия": "Standard version",
    "Обычный": "Normal",
    "Крупный": "Large",
    "Очень крупный": "Very large",
    "Обычная цветовая схема": "Standard colours",
    "Черным по белому": "Black on white",
    "Белым по черному": "White on black",
    "Темно-синим по голубому": "Dark blue on light blue",
    "Увеличенный": "Wide",
    "Большой": "Wider",
    # Forms
    "Исправьте ошибки в форме:": "Please correct the form:",
    "Проверочный код: сколько будет": "Check code: how much is",
    "Фамилия": "Surname",
    "Имя": "Name",
    "Отчество (при наличии)": "Patronymic (if any)",
    "Электронная почта": "E-mail",
    "Мобильный телефон": "Mobile phone",
    "Пароль": "Password",
    "Пароль еще раз": "Password again",
    "Новый пароль": "New password",
    "Текущий пароль": "Current password",
    "Например, +7 912 345-67-89": "For example, +7 912 345-67-89",
    "Не менее 8 символов: строчные и заглавные буквы и цифры": (
        "At least 8 characters: lower- and upper-case letters and digits"
    ),
    "Я даю согласие на обработку моих персональных данных в соответствии с 152-ФЗ "
    "«О персональных данных»": (
        "I consent to the processing of my personal data under Federal Law 152-FZ "
        "“On Personal Data”"
    ),
    "политика обработки персональных данных": "personal data policy",
    "Зарегистрироваться": "Register",
    "Уже зарегистрированы?": "Already registered?",
    "Войти": "Sign in",
    "Сохранить": "Save",
    "Отмена": "Cancel",
    "Далее": "Next",
    # Registration and activation
    "Подтвердите адрес электронной почты": "Confirm your e-mail address",
    "На адрес {email} отправлено письмо со ссылкой для активации Личного кабинета. Ссылка "
    "действует трое суток; если не успеете, зарегистрируйтесь заново.": (
        "A letter with the link to activate your account was sent to {email}. The link is "
        "valid for three days; if it expires, register again."
    ),
    "Активация Личного кабинета": "Account activation",
    "Нажмите «Далее», чтобы завершить регистрацию.": "Press “Next” to finish the registration.",
    "Личный кабинет активирован. Войдите с адресом электронной почты и паролем.": (
        "Your account is active. Sign in with your e-mail address and password."
    ),
    # Sign-in
    "Вход в Личный кабинет": "Sign in to your account",
    "Вход для сотрудников": "Staff sign-in",
    "Вход для граждан": "Sign-in for citizens",
    "Логин": "Login",
    "Электронная почта или мобильный телефон": "E-mail or mobile phone",
    "Следующая попытка возможна через (секунд):": "Next attempt possible in (seconds):",
    "Войти через Госуслуги": "Sign in with Gosuslugi",
    # Password reset
    "Сброс пароля": "Reset password",
    "Отправить ссылку": "Send the link",
    "Если адрес зарегистрирован, на него отправлено письмо со ссылкой для смены пароля. "
    "Ссылка действует 1 час.": (
        "If the address is registered, a letter with a link to change the password was sent "
        "to it. The link is valid for 1 hour."
    ),
    "Пароль изменен. Войдите с новым паролем.": "Password changed. Sign in with the new one.",
    # Policy
    "Оператор обрабатывает персональные данные пользователей Интерактивной приемной в "
    "соответствии с Федеральным законом от 27.07.2006 № 152-ФЗ «О персональных данных» и "
    "только с их согласия.": (
        "The operator processes the personal data of the Interactive Reception's users under "
        "Federal Law No. 152-FZ of 27.07.2006 “On Personal Data” and only with their consent."
    ),
    "Какие данные обрабатываются": "What data is processed",
    "Фамилия, имя, отчество, дата рождения, почтовый адрес, номер телефона, адрес "
    "электронной почты, СНИЛС, тексты заявок и приложенные файлы, записи видеоприемов.": (
        "Surname, name, patronymic, date of birth, postal address, phone number, e-mail "
        "address, SNILS, the texts of appeals and their files, recordings of video receptions."
    ),
    "Зачем": "Why",
    "Для рассмотрения заявок в порядке Федерального закона № 59-ФЗ «О порядке рассмотрения "
    "обращений граждан Российской Федерации», приглашения на прием и направления ответов.": (
        "To consider appeals under Federal Law No. 59-FZ “On the Procedure for Considering "
        "Appeals of Citizens of the Russian Federation”, to invite to receptions and to send "
        "answers."
    ),
    "Ваши права": "Your rights",
    "Вы можете посмотреть и выгрузить свои данные в профиле, исправить их и отозвать "
    "согласие, обратившись к оператору. Каждый доступ сотрудников к вашим персональным "
    "данным записывается в журнал.": (
        "You can see and download your data in your profile, correct it, and withdraw your "
        "consent by contacting the operator. Every access of staff to your personal data is "
        "logged."
    ),
    "Согласие и время его предоставления сохраняются.": "The consent and its time are stored.",
    # Profile
    "Профиль заполнен не полностью: подать заявку можно только с заполненным профилем.": (
        "Your profile is incomplete: an appeal can be filed only with a complete profile."
    ),
    "Не заполнено:": "Missing:",
    "Профиль заполнен: вы можете подать заявку.": (
        "Your profile is complete: you can file an appeal."
    ),
    "Личные данные": "Personal data",
    "Дата рождения": "Date of birth",
    "СНИЛС": "SNILS",
    "11 цифр, например 112-233-445 95": "11 digits, for example 112-233-445 95",
    "Контакты": "Contacts",
    "Почтовый адрес": "Postal address",
    "Индекс": "Postal code",
    "Регион": "Region",
    "Район": "District",
    "Населенный пункт": "City or town",
    "Улица": "Street",
    "Дом": "House",
    "Корпус": "Building",
    "Квартира": "Flat",
    "Уведомления": "Notifications",
    "Сообщать по электронной почте об изменении статуса заявки": (
        "E-mail me when the status of an appeal changes"
    ),
    "Сообщать по электронной почте о приглашении на прием": "E-mail me invitations to receptions",
    "Сохранить настройки уведомлений": "Save notification settings",
    "Смена пароля": "Change password",
    "Сменить пароль": "Change password",
    "Мои данные": "My data",
    "Согласие на обработку персональных данных дано": "Consent to personal data processing given",
    "Скачать мои данные": "Download my data",
    "Профиль сохранен.": "Profile saved.",
    "Настройки уведомлений сохранены.": "Notification settings saved.",
    "Пароль изменен.": "Password changed.",
    # Staff
    "Кабинет сотрудника": "Staff workspace",
    "Роли": "Roles",
    "Журнал заявок": "Appeals journal",
    "Сотрудники": "Staff",
    "Исходящая почта": "Outgoing mail",
    "Журнал доступа к персональным данным": "Personal data access log",
    "Получать письма о новых заявках": "E-mail me about new appeals",
    "Письма отправляются на адрес электронной почты учетной записи; попросите "
    "администратора указать его.": (
        "Letters go to the account's e-mail address; ask an administrator to set it."
    ),
    "Настройки сохранены.": "Settings saved.",
    "Просмотр персональных данных записывается в журнал доступа.": (
        "Viewing personal data is recorded in the access log."
    ),
    "Профиль заполнен не полностью.": "The profile is incomplete.",
    # Administration
    "Добавить сотрудника": "Add a staff member",
    "ФИО": "Full name",
    "Состояние": "State",
    "Активна": "Active",
    "Заблокирована": "Blocked",
    "Сотрудник": "Staff member",
    "Новый сотрудник": "New staff member",
    "Учетная запись активна": "Account active",
    "Новый пароль (оставьте пустым, чтобы не менять)": "New password (leave empty to keep it)",
    "Учетная запись сотрудника сохранена.": "Staff account saved.",
    "Почта отправляется через SMTP-сервер; здесь только письма, записанные до его настройки.": (
        "Mail is sent through the SMTP server; only letters written before it was configured "
        "are here."
    ),
    "Отправлено": "Sent",
    "Кому": "To",
    "Тема": "Subject",
    "Писем нет.": "No letters.",
    "Когда": "When",
    "Гражданин": "Citizen",
    "Что": "What",
    "Записей нет.": "No records.",
    # Roles
    "Ответственное ведомство": "Responsible department",
    "Организатор приемов": "Reception organizer",
    "Модератор": "Moderator",
    "Ведущий приема": "Reception host",
    "Контроль исполнения": "Control officer",
    "Администратор": "Administrator",
    "Ведомства сотрудника ведомства": "Departments of a department officer",
    "Сотрудник ведомства видит только заявки, которые исполняют отмеченные ведомства. Без "
    "отметок он работает как ответственный отдел: видит все заявки и направляет новые в "
    "работу.": "A department officer sees only the appeals the checked departments execute. "
    "With none checked, the officer works as the responsible office: sees every appeal and "
    "routes new ones to work.",
    "не используется": "not in use",
}
