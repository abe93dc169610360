# Modera bot, English. Every key here must also be in ru.ftl (a test checks both ways).

## Start, language, menu

choose-language = Choose your language:
language-en = English
language-ru = Русский
language-changed = Language changed. What would you like to do?
welcome = Welcome to Modera! Try clothes on virtually and get advice from an AI stylist. Your balance: { $credits } { $credits ->
        [one] credit
       *[other] credits
    }.
welcome-back = Welcome back! What would you like to do?
menu-title = What would you like to do?
menu-tryon = 👗 Virtual try-on
menu-stylist = ✨ AI stylist
menu-profile = 👤 Profile
menu-buy = 💎 Buy credits
menu-help = ❓ Help
menu-settings = ⚙️ Settings
button-menu = ⬅️ Menu
button-cancel = ✖️ Cancel
button-expired = This button is no longer active.
flow-cancelled = Cancelled. What would you like to do?
unknown-input = I did not understand that. Please choose from the menu.
photo-outside-flow = To use a photo, first choose Virtual try-on or AI stylist.
something-went-wrong = Something went wrong on our side. Nothing was charged. Please try again.
rate-limited = You are sending messages too fast. Please wait a minute.
session-expired = Your session ended after 30 minutes without activity. Any credits on hold were returned.
still-processing = Still working on it. I will send the result here as soon as it is ready.

## Consent

consent-request = To create try-ons and style advice, your photos are processed by AI providers (OpenAI, Google). Photos are deleted within a day, and you can delete them or withdraw consent at any time in Settings. Do you agree?
consent-accept = ✅ I agree
consent-decline = ❌ No
consent-given = Thank you. You can withdraw consent at any time in Settings.
consent-declined = Without consent I cannot process photos. You can change your mind any time.
consent-withdrawn = Consent withdrawn. I will not process your photos until you agree again.

## Photos

send-photo-hint = Please send a photo (as a photo or as an image file: JPEG, PNG or WebP).
image-too-large = This image is too large. Please send one under 10 MB.
image-unsupported = This file is not a JPEG, PNG or WebP image. Please send a photo.
image-dimensions = This image is too small or too large in pixels. Please send a regular photo.
image-corrupt = This image could not be read. Please send another one.
image-download-failed = I could not download this file from Telegram. Please send it again.

## Virtual try-on

tryon-send-clothing = Send a photo of the clothing item you want to try on. A try-on costs { $price } { $price ->
        [one] credit
       *[other] credits
    }. You can also send both photos at once as an album: the clothing first, then the person.
tryon-send-person = Now send a photo of the person (full-length works best).
album-tryon-size = This album has { $count } photos. A try-on takes 2: the clothing first, then the person. Please send them again, as an album of 2 or one by one. Nothing was charged.
album-person-size = This album has { $count } photos. I need one photo of the person: please send just that one. Nothing was charged.
album-stylist-size = This album has { $count } photos. Style advice takes one photo of yourself: please send just that one. Nothing was charged.
tryon-processing = This try-on costs { $price } { $price ->
        [one] credit
       *[other] credits
    }. Balance: { $available } available, { $held } on hold. Processing… I will send the result here.
tryon-result = Here is your virtual try-on! Rate it:
tryon-choose-next = Rate the result, try another, or go back to the menu.
tryon-again = 🔁 Try another
tryon-failed-refunded = Sorry, the try-on could not be made. The { $credits } { $credits ->
        [one] credit
       *[other] credits
    } on hold were returned to your balance.
rate-button = { $rating } ⭐
rating-thanks = Thank you for rating!
not-enough-credits = This costs { $price } { $price ->
        [one] credit
       *[other] credits
    }, and you have { $available } available. Nothing was charged. Buy credits to continue:

## AI stylist

stylist-send-photo = Send a photo of yourself (full-length works best). Style advice costs { $price } { $price ->
        [one] credit
       *[other] credits
    }.
stylist-choose-style = Which style do you like?
stylist-choose-occasion = What is the occasion?
stylist-choose-budget = What is your budget?
stylist-use-buttons = Please choose with the buttons above, or cancel.
stylist-processing = Style advice costs { $price } { $price ->
        [one] credit
       *[other] credits
    }. Balance: { $available } available, { $held } on hold. Analysing… I will send the result here.
stylist-result = Your style analysis:
    { $summary }

    Body type: { $bodyType }
    Colours: { $palette }
    Keywords: { $keywords }
stylist-recommendations = Recommendations:
stylist-recommendation = • { $title }: { $reason }
stylist-shop-button = 🛍 { $title }
stylist-failed-refunded = Sorry, the style analysis could not be made. The { $credits } { $credits ->
        [one] credit
       *[other] credits
    } on hold were returned to your balance.
style-casual = Casual
style-classic = Classic
style-business = Business
style-streetwear = Streetwear
style-sporty = Sporty
style-romantic = Romantic
style-minimalist = Minimalist
style-bohemian = Bohemian
style-evening = Evening
occasion-everyday = Everyday
occasion-work = Work
occasion-date = Date
occasion-party = Party
occasion-wedding = Wedding
occasion-vacation = Vacation
occasion-sport = Sport
budget-low-usd = Up to ${ $max }
budget-mid-usd = ${ $min }–{ $max }
budget-high-usd = ${ $min }–{ $max }
budget-low-rub = Up to { $max } ₽
budget-mid-rub = { $min }–{ $max } ₽
budget-high-rub = { $min }–{ $max } ₽

## Profile

profile-balance = Balance: { $available } available, { $held } on hold.
profile-under-review = Your balance is being checked by our team right now, so it is not shown. Your credits are safe; try again later or write to /paysupport.
profile-transactions-title = Recent transactions:
profile-no-transactions = No transactions yet.
profile-transaction = { $date } · { $credits } · { $kind }
profile-updating = (The latest changes may take a moment to appear.)
transaction-purchase = purchase
transaction-grant = bonus
transaction-hold = on hold
transaction-usage = spent
transaction-not-charged = not charged
transaction-returned = returned
transaction-clawback = payment refunded
transaction-adjustment = correction
transaction-other = other

## Buying credits

buy-title = Your balance: { $available } available. Choose a package (paid in Telegram Stars), or pay by card on the web:
buy-package = { $credits } { $credits ->
        [one] credit
       *[other] credits
    } — { $stars } ⭐
buy-web = 💳 Pay by card
invoice-title = { $credits } { $credits ->
        [one] credit
       *[other] credits
    }
invoice-description = { $credits } { $credits ->
        [one] credit
       *[other] credits
    } for virtual try-ons and AI stylist advice in Modera.
payment-refused = This invoice is no longer valid. Please open Buy credits again.
payment-problem = Your payment { $paymentId } arrived, but I could not add the credits yet. It is recorded and will be tried again automatically; you will not lose it. If the credits do not appear within an hour, write /paysupport and quote this payment id.
payment-held = Your payment { $paymentId } does not match an invoice of ours ({ $paid } { $currency } paid), so no credits were added. It is kept on record as a case for our support team: write /paysupport and quote this payment id to have it refunded or credited.
payment-received = Payment received: +{ $credits } { $credits ->
        [one] credit
       *[other] credits
    }. Balance: { $balance }.
purchase-refunded = A refund was processed: { $credits } { $credits ->
        [one] credit
       *[other] credits
    } removed. Balance: { $balance }.

## Settings

settings-title = Settings:
settings-language = 🌐 Language
settings-withdraw-consent = 🚫 Withdraw consent to photo processing
settings-delete-photos = 🗑 Delete my photos
photos-deleted = Deleted { $count ->
    [one] { $count } photo
   *[other] { $count } photos
}.

## Help and support

help-text = Modera lets you try clothes on virtually ({ $tryon } { $tryon ->
        [one] credit
       *[other] credits
    }) and get advice from an AI stylist ({ $styling } { $styling ->
        [one] credit
       *[other] credits
    }).
    If the AI fails, the credits are returned automatically.
    You pay only for a result delivered to you: if you block the bot before a result arrives, it is sent when you come back, and if you do not come back within { $days } { $days ->
        [one] day
       *[other] days
    }, its credits are returned.
    Refunds: if a purchase went wrong, or you want your money back for credits you have not used, press the button below or write /paysupport.
help-request-refund = 💬 Request a refund
paysupport-text = Payment support: if a purchase went wrong, or you want your money back for credits you have not used, press the button below. Refunds of Telegram Stars go back to your Stars balance.
support-recorded = Your request { $requestId } is recorded. We will reply in this chat.

## Commands (Telegram's command menu)

command-start = Start and open the menu
command-menu = Main menu
command-help = Help and refunds
command-paysupport = Payment support
