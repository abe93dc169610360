# Бот Modera, русский. Каждый ключ должен быть и в en.ftl (это проверяет тест).

## Старт, язык, меню

choose-language = Выберите язык:
language-en = English
language-ru = Русский
language-changed = Язык изменён. Что хотите сделать?
welcome = Добро пожаловать в Modera! Примеряйте одежду виртуально и получайте советы ИИ-стилиста. Ваш баланс: { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
welcome-back = С возвращением! Что хотите сделать?
menu-title = Что хотите сделать?
menu-tryon = 👗 Виртуальная примерка
menu-stylist = ✨ ИИ-стилист
menu-profile = 👤 Профиль
menu-buy = 💎 Купить кредиты
menu-help = ❓ Помощь
menu-settings = ⚙️ Настройки
button-menu = ⬅️ Меню
button-cancel = ✖️ Отмена
button-expired = Эта кнопка больше не активна.
flow-cancelled = Отменено. Что хотите сделать?
unknown-input = Я не понял. Пожалуйста, выберите в меню.
photo-outside-flow = Чтобы использовать фото, сначала выберите «Виртуальная примерка» или «ИИ-стилист».
something-went-wrong = Что-то пошло не так на нашей стороне. Ничего не списано. Попробуйте ещё раз.
rate-limited = Вы отправляете сообщения слишком часто. Подождите минуту.
session-expired = Сессия завершена после 30 минут без активности. Зарезервированные кредиты возвращены.
still-processing = Ещё работаю. Пришлю результат сюда, как только он будет готов.

## Согласие

consent-request = Чтобы делать примерки и советы по стилю, ваши фото обрабатываются ИИ-сервисами (OpenAI, Google). Фото удаляются в течение суток; удалить их или отозвать согласие можно в любой момент в Настройках. Вы согласны?
consent-accept = ✅ Согласен
consent-decline = ❌ Нет
consent-given = Спасибо. Отозвать согласие можно в любой момент в Настройках.
consent-declined = Без согласия я не могу обрабатывать фото. Вы можете передумать в любой момент.
consent-withdrawn = Согласие отозвано. Я не буду обрабатывать ваши фото, пока вы снова не согласитесь.

## Фото

send-photo-hint = Пожалуйста, пришлите фото (как фото или как файл-изображение: JPEG, PNG или WebP).
image-too-large = Изображение слишком большое. Пришлите файл меньше 10 МБ.
image-unsupported = Это не изображение JPEG, PNG или WebP. Пожалуйста, пришлите фото.
image-dimensions = Изображение слишком маленькое или слишком большое в пикселях. Пришлите обычное фото.
image-corrupt = Не удалось прочитать изображение. Пришлите другое.
image-download-failed = Не удалось скачать файл из Telegram. Пришлите его ещё раз.

## Виртуальная примерка

tryon-send-clothing = Пришлите фото вещи, которую хотите примерить. Примерка стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Можно прислать оба фото сразу одним альбомом: сначала вещь, затем человека.
tryon-send-person = Теперь пришлите фото человека (лучше в полный рост).
album-tryon-size = В этом альбоме { $count } фото. Для примерки нужно 2: сначала вещь, затем человек. Пришлите их ещё раз — альбомом из 2 фото или по одному. Ничего не списано.
album-person-size = В этом альбоме { $count } фото. Нужно одно фото человека: пришлите только его. Ничего не списано.
album-stylist-size = В этом альбоме { $count } фото. Для совета стилиста нужно одно ваше фото: пришлите только его. Ничего не списано.
tryon-processing = Примерка стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: доступно { $available }, в резерве { $held }. Обрабатываю… Пришлю результат сюда.
tryon-result = Ваша виртуальная примерка готова! Оцените её:
tryon-choose-next = Оцените результат, попробуйте ещё или вернитесь в меню.
tryon-again = 🔁 Ещё примерка
tryon-failed-refunded = К сожалению, примерку сделать не удалось. { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } из резерва возвращены на баланс.
rate-button = { $rating } ⭐
rating-thanks = Спасибо за оценку!
not-enough-credits = Это стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }, а доступно { $available }. Ничего не списано. Купите кредиты, чтобы продолжить:

## ИИ-стилист

stylist-send-photo = Пришлите своё фото (лучше в полный рост). Совет стилиста стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }.
stylist-choose-style = Какой стиль вам нравится?
stylist-choose-occasion = Для какого случая?
stylist-choose-budget = Какой у вас бюджет?
stylist-use-buttons = Пожалуйста, выберите кнопкой выше или отмените.
stylist-processing = Совет стилиста стоит { $price } { $price ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: доступно { $available }, в резерве { $held }. Анализирую… Пришлю результат сюда.
stylist-result = Ваш стилевой анализ:
    { $summary }

    Тип фигуры: { $bodyType }
    Цвета: { $palette }
    Ключевые слова: { $keywords }
stylist-recommendations = Рекомендации:
stylist-recommendation = • { $title }: { $reason }
stylist-shop-button = 🛍 { $title }
stylist-failed-refunded = К сожалению, стилевой анализ сделать не удалось. { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } из резерва возвращены на баланс.
style-casual = Повседневный
style-classic = Классика
style-business = Деловой
style-streetwear = Уличный
style-sporty = Спортивный
style-romantic = Романтичный
style-minimalist = Минимализм
style-bohemian = Бохо
style-evening = Вечерний
occasion-everyday = На каждый день
occasion-work = Работа
occasion-date = Свидание
occasion-party = Вечеринка
occasion-wedding = Свадьба
occasion-vacation = Отпуск
occasion-sport = Спорт
budget-low-usd = До ${ $max }
budget-mid-usd = ${ $min }–{ $max }
budget-high-usd = ${ $min }–{ $max }
budget-low-rub = До { $max } ₽
budget-mid-rub = { $min }–{ $max } ₽
budget-high-rub = { $min }–{ $max } ₽

## Профиль

profile-balance = Баланс: доступно { $available }, в резерве { $held }.
profile-under-review = Ваш баланс сейчас проверяет наша команда, поэтому он не показан. Ваши кредиты в сохранности; загляните позже или напишите в /paysupport.
profile-transactions-title = Последние операции:
profile-no-transactions = Операций пока нет.
profile-transaction = { $date } · { $credits } · { $kind }
profile-updating = (Последние изменения могут появиться через мгновение.)
transaction-purchase = покупка
transaction-grant = бонус
transaction-hold = в резерве
transaction-usage = списано
transaction-not-charged = не списано
transaction-returned = возвращено
transaction-clawback = возврат платежа
transaction-adjustment = корректировка
transaction-other = другое

## Покупка кредитов

buy-title = Ваш баланс: доступно { $available }. Выберите пакет (оплата в Telegram Stars) или оплатите картой на сайте:
buy-package = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } — { $stars } ⭐
buy-web = 💳 Оплатить картой
invoice-title = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }
invoice-description = { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    } для виртуальных примерок и советов ИИ-стилиста в Modera.
payment-refused = Этот счёт больше не действителен. Откройте «Купить кредиты» ещё раз.
payment-problem = Оплата { $paymentId } получена, но кредиты пока не начислены. Она записана, и начисление будет повторено автоматически; вы её не потеряете. Если кредиты не появятся в течение часа, напишите /paysupport и укажите этот номер платежа.
payment-held = Оплата { $paymentId } не соответствует нашему счёту (оплачено { $paid } { $currency }), поэтому кредиты не начислены. Она сохранена как обращение для нашей поддержки: напишите /paysupport и укажите этот номер платежа, чтобы её вернули или зачислили.
payment-received = Оплата получена: +{ $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: { $balance }.
purchase-refunded = Оформлен возврат: списано { $credits } { $credits ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }. Баланс: { $balance }.

## Настройки

settings-title = Настройки:
settings-language = 🌐 Язык
settings-withdraw-consent = 🚫 Отозвать согласие на обработку фото
settings-delete-photos = 🗑 Удалить мои фото
photos-deleted = Удалено фото: { $count }.

## Помощь и поддержка

help-text = Modera — это виртуальная примерка одежды ({ $tryon } { $tryon ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }) и советы ИИ-стилиста ({ $styling } { $styling ->
        [one] кредит
        [few] кредита
       *[many] кредитов
    }).
    Если ИИ не справился, кредиты возвращаются автоматически.
    Вы платите только за результат, который до вас дошёл: если вы заблокируете бота до того, как придёт результат, он будет отправлен, когда вы вернётесь, а если вы не вернётесь в течение { $days } { $days ->
        [one] дня
       *[other] дней
    }, кредиты за него вернутся.
    Возвраты: если с покупкой что-то не так или вы хотите вернуть деньги за неиспользованные кредиты, нажмите кнопку ниже или напишите /paysupport.
help-request-refund = 💬 Запросить возврат
paysupport-text = Поддержка по оплате: если с покупкой что-то не так или вы хотите вернуть деньги за неиспользованные кредиты, нажмите кнопку ниже. Возврат Telegram Stars приходит на ваш баланс Stars.
support-recorded = Ваш запрос { $requestId } записан. Мы ответим в этом чате.

## Команды (меню команд Telegram)

command-start = Начать и открыть меню
command-menu = Главное меню
command-help = Помощь и возвраты
command-paysupport = Поддержка по оплате
