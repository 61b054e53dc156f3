"""German for the portal: English text (as written in the templates and views) -> German.

``tests/portal/test_portal_i18n.py`` fails when a string the portal shows has no entry here, or
when an entry's {placeholders} differ from the English ones.
"""

from __future__ import annotations

TEXT_DE: dict[str, str] = {
    # frame and navigation
    "Phone provisioning": "Telefon-Provisionierung",
    "Main": "Hauptmenü",
    "Dashboard": "Übersicht",
    "Employees": "Mitarbeitende",
    "Devices": "Geräte",
    "Numbers": "Rufnummern",
    "Unrecognised": "Unbekannte",
    "Accounts": "Konten",
    "Settings": "Einstellungen",
    "Journal": "Journal",
    "Tenants": "Mandanten",
    "My phones": "Meine Telefone",
    "My account": "Mein Konto",
    "Sign out": "Abmelden",
    "Sign in": "Anmelden",
    "Pages": "Seiten",
    "{total} in all, page {page} of {pages}": "{total} insgesamt, Seite {page} von {pages}",
    "Previous": "Zurück",
    "Next": "Weiter",
    "Copy": "Kopieren",
    "Back to the start page": "Zurück zur Startseite",
    "Save": "Speichern",
    "Create": "Anlegen",
    "Search": "Suchen",
    "Filter": "Filtern",
    "Confirm": "Bestätigen",
    "Cancel": "Abbrechen",
    "Saved.": "Gespeichert.",
    "all": "alle",
    "yes": "ja",
    "no": "nein",
    "none": "keine",
    "None.": "Keine.",
    "Nothing matches.": "Nichts gefunden.",
    "Some filters were not understood and were left out.":
        "Einige Filter waren unverständlich und wurden weggelassen.",
    "Some fields need a second look.": "Einige Felder bitte noch einmal prüfen.",
    # errors
    "The form has expired": "Das Formular ist abgelaufen",
    "The form was sent without a valid security token. Go back, reload the page and send it "
    "again.": "Das Formular kam ohne gültiges Sicherheitstoken. Gehen Sie zurück, laden Sie die "
              "Seite neu und senden Sie es noch einmal.",
    "Not allowed": "Nicht erlaubt",
    "Not found": "Nicht gefunden",
    "That did not work": "Das hat nicht geklappt",
    "There is no such page.": "Diese Seite gibt es nicht.",
    # signing in, passwords, own account
    "Username": "Benutzername",
    "Password": "Passwort",
    "Forgot your password?": "Passwort vergessen?",
    "You have signed out.": "Sie haben sich abgemeldet.",
    "Change password": "Passwort ändern",
    "Current password": "Aktuelles Passwort",
    "New password": "Neues Passwort",
    "New password again": "Neues Passwort wiederholen",
    "Your password has been changed.": "Ihr Passwort wurde geändert.",
    "Your password has expired. Choose a new one to continue.":
        "Ihr Passwort ist abgelaufen. Wählen Sie ein neues, um fortzufahren.",
    "Your password expires on {date}. Please change it before then.":
        "Ihr Passwort läuft am {date} ab. Bitte ändern Sie es vorher.",
    "At least {length} characters, strength level {level} of 4 or more.":
        "Mindestens {length} Zeichen, Stärke {level} von 4 oder mehr.",
    "E-mail address": "E-Mail-Adresse",
    "Role": "Rolle",
    "Language": "Sprache",
    "as the browser says": "wie im Browser eingestellt",
    # password reset by mail
    "Username or e-mail address": "Benutzername oder E-Mail-Adresse",
    "Send me a link": "Link zusenden",
    "Back to signing in": "Zurück zur Anmeldung",
    "If an account with an e-mail address goes by that name or address, a link to choose a new "
    "password is on its way. It works once, for a limited time.":
        "Wenn es ein Konto mit E-Mail-Adresse unter diesem Namen oder dieser Adresse gibt, ist "
        "ein Link zum Wählen eines neuen Passworts unterwegs. Er funktioniert einmal und nur "
        "eine begrenzte Zeit.",
    "This link does not work": "Dieser Link funktioniert nicht",
    "It was used already, has expired, or a newer one was sent.":
        "Er wurde schon benutzt, ist abgelaufen, oder ein neuerer wurde verschickt.",
    "Ask for a new link": "Neuen Link anfordern",
    "Choose a new password": "Neues Passwort wählen",
    "Your password has been changed. Sign in with it.":
        "Ihr Passwort wurde geändert. Melden Sie sich damit an.",
    "Your password reset": "Ihr Passwort zurücksetzen",
    "Hello {name},\n\nto choose a new password, open this link within {minutes} minutes. It "
    "works once.\n\n{link}\n\nIf you did not ask for it, ignore this mail: your password "
    "stays as it is.\n": "Hallo {name},\n\num ein neues Passwort zu wählen, öffnen Sie "
    "diesen Link innerhalb von {minutes} Minuten. Er funktioniert einmal.\n\n{link}\n\n"
    "Wenn Sie ihn nicht angefordert haben, ignorieren Sie diese Mail: Ihr Passwort bleibt, "
    "wie es ist.\n",
    # self-service
    "No phone is assigned to you.": "Ihnen ist kein Telefon zugeordnet.",
    "Key": "Taste",
    "Target": "Ziel",
    # registration and dashboard
    "registered": "registriert",
    "not registered": "nicht registriert",
    "unknown": "unbekannt",
    "no SIP account": "kein SIP-Konto",
    "Your phones at a glance": "Ihre Telefone auf einen Blick",
    "Registration state unknown: the SIP core did not answer.":
        "Registrierungsstatus unbekannt: der SIP-Server hat nicht geantwortet.",
    "stale configuration": "veraltete Konfiguration",
    "Phones per site by registration state": "Telefone je Standort nach Registrierungsstatus",
    "no site": "ohne Standort",
    "{n} stale": "{n} veraltet",
    "No devices yet.": "Noch keine Geräte.",
    "Site": "Standort",
    "{n} unrecognised phones are waiting to be adopted":
        "{n} unbekannte Telefone warten auf Übernahme",
    # devices
    "Device": "Gerät",
    "Model": "Modell",
    "Vendor": "Hersteller",
    "Employee": "Mitarbeiter/in",
    "SIP account": "SIP-Konto",
    "Configuration": "Konfiguration",
    "Registration": "Registrierung",
    "never fetched": "nie abgerufen",
    "stale": "veraltet",
    "current": "aktuell",
    "last seen {at} from {addr}": "zuletzt gesehen {at} von {addr}",
    "Search (label or MAC)": "Suche (Bezeichnung oder MAC)",
    "Assigned": "Zugeordnet",
    "No devices match.": "Keine passenden Geräte.",
    "Function keys": "Funktionstasten",
    "Files (preview)": "Dateien (Vorschau)",
    "Provisioning history": "Provisionierungsverlauf",
    "Re-sync now": "Jetzt neu synchronisieren",
    "Assignment": "Zuordnung",
    "Assign": "Zuordnen",
    "Unassign": "Zuordnung aufheben",
    "Label, location and phonebook": "Bezeichnung, Standort und Telefonbuch",
    "Label": "Bezeichnung",
    "Phonebook": "Telefonbuch",
    "the whole phonebook": "das ganze Telefonbuch",
    "one group": "eine Gruppe",
    "Group": "Gruppe",
    "Add the employee's private contacts": "Private Kontakte der Person hinzufügen",
    "The device is no longer assigned.": "Das Gerät ist niemandem mehr zugeordnet.",
    "The device was moved from {old} to {new}.": "Das Gerät wurde von {old} zu {new} verschoben.",
    "The device is assigned to {new}.": "Das Gerät ist {new} zugeordnet.",
    "Re-sync sent to {n} registration(s).":
        "Neu-Synchronisierung an {n} Registrierung(en) gesendet.",
    "Files": "Dateien",
    "Files the phone gets": "Dateien, die das Telefon erhält",
    "File": "Datei",
    "What it is": "Inhalt",
    "Credentials": "Zugangsdaten",
    "Version {version}.": "Version {version}.",
    "The SIP password is masked.": "Das SIP-Passwort ist maskiert.",
    "When (UTC)": "Wann (UTC)",
    "Protocol": "Protokoll",
    "From": "Von",
    "Answer": "Antwort",
    "Version": "Version",
    "The phone has not fetched anything yet.": "Das Telefon hat noch nichts abgerufen.",
    # function keys
    "BLF (busy lamp)": "BLF (Besetztlampe)",
    "Speed dial": "Kurzwahl",
    "Line": "Leitung",
    "Position": "Position",
    "Kind": "Art",
    "Colleague": "Kollege/Kollegin",
    "Number": "Rufnummer",
    "Order": "Reihenfolge",
    "Remove": "Entfernen",
    "Up": "Nach oben",
    "Down": "Nach unten",
    "A BLF key watches a colleague; a speed dial calls a colleague or a number. Fill an empty "
    "row to add a key.": "Eine BLF-Taste zeigt den Status einer Kollegin oder eines Kollegen; "
                         "eine Kurzwahl ruft eine Person oder Nummer an. Füllen Sie eine leere "
                         "Zeile, um eine Taste hinzuzufügen.",
    "Save keys": "Tasten speichern",
    "The keys were saved.": "Die Tasten wurden gespeichert.",
    # employees
    "Name": "Name",
    "Personal number": "Persönliche Rufnummer",
    "number missing": "Rufnummer fehlt",
    "disabled": "deaktiviert",
    "Change the personal number": "Persönliche Rufnummer ändern",
    "New personal number": "Neue persönliche Rufnummer",
    "Change number": "Rufnummer ändern",
    "The old number stays active and free for someone else.":
        "Die alte Rufnummer bleibt aktiv und frei für jemand anderen.",
    "Details": "Angaben",
    "Account (for self-service)": "Konto (für die Selbstverwaltung)",
    "Telephones (gets a SIP account)": "Telefoniert (erhält ein SIP-Konto)",
    "New employee": "Neue/r Mitarbeiter/in",
    "Only active numbers nobody holds are offered.":
        "Angeboten werden nur aktive Rufnummern, die niemand hat.",
    "{name} was created.": "{name} wurde angelegt.",
    # numbers
    "active": "aktiv",
    "inactive": "inaktiv",
    "ends on a date": "endet an einem Datum",
    "Status": "Status",
    "Held by": "Inhaber/in",
    "Actions": "Aktionen",
    "Activate": "Aktivieren",
    "Deactivate": "Deaktivieren",
    "Exchange": "Austauschen",
    "Reactivate": "Reaktivieren",
    "Activate {number}": "{number} aktivieren",
    "Deactivate {number}": "{number} deaktivieren",
    "Reactivate {number}": "{number} reaktivieren",
    "Exchange {number}": "{number} austauschen",
    "The number can then be given to an employee as personal number.":
        "Die Rufnummer kann dann einer Person als persönliche Rufnummer gegeben werden.",
    "It carries these options:": "Sie trägt diese Optionen:",
    "It carries no options.": "Sie trägt keine Optionen.",
    "The number keeps working until the termination date (inclusive).":
        "Die Rufnummer funktioniert bis einschließlich zum Kündigungsdatum.",
    "After that date {name} loses it as personal number and their SIP account is disabled: "
    "their phones stop working until they get another number.":
        "Danach verliert {name} sie als persönliche Rufnummer und das SIP-Konto wird "
        "deaktiviert: die Telefone funktionieren erst mit einer neuen Rufnummer wieder.",
    "The termination date is dropped; the number stays in service.":
        "Das Kündigungsdatum entfällt; die Rufnummer bleibt in Betrieb.",
    "An inactive number takes this one's place: as personal number and as target of function "
    "keys.": "Eine inaktive Rufnummer tritt an ihre Stelle: als persönliche Rufnummer und als "
             "Ziel von Funktionstasten.",
    "{name} gets the new number.": "{name} erhält die neue Rufnummer.",
    "{n} function keys are pointed at the new number.":
        "{n} Funktionstasten werden auf die neue Rufnummer umgestellt.",
    "{number} becomes inactive and loses its options:":
        "{number} wird inaktiv und verliert ihre Optionen:",
    "Termination date": "Kündigungsdatum",
    "Replacement number": "Ersatz-Rufnummer",
    "{number} is active.": "{number} ist aktiv.",
    "{number} is active again.": "{number} ist wieder aktiv.",
    "{number} ends on {date}.": "{number} endet am {date}.",
    "{new} took the place of {old}.": "{new} hat {old} ersetzt.",
    # unrecognised phones
    "Unrecognised phones": "Unbekannte Telefone",
    "Phones that asked for their configuration with a MAC address you have not registered. "
    "Nothing is adopted automatically.": "Telefone, die ihre Konfiguration mit einer MAC-Adresse "
                                         "abgefragt haben, die Sie nicht registriert haben. "
                                         "Nichts wird automatisch übernommen.",
    "Search (MAC or User-Agent)": "Suche (MAC oder User-Agent)",
    "Last seen (UTC)": "Zuletzt gesehen (UTC)",
    "Requests": "Anfragen",
    "Adopt or dismiss": "Übernehmen oder verwerfen",
    "Adopt a phone": "Telefon übernehmen",
    "Adopt": "Übernehmen",
    "Dismiss": "Verwerfen",
    "The phone was dismissed; if it asks again it is listed again.":
        "Das Telefon wurde verworfen; fragt es wieder an, erscheint es wieder.",
    "The phone is now a device of yours.": "Das Telefon ist jetzt eines Ihrer Geräte.",
    # journal
    "Who changed what": "Wer hat was geändert",
    "Who": "Wer",
    "Object type": "Objektart",
    "Object id": "Objekt-ID",
    "From (UTC)": "Ab (UTC)",
    "Until (UTC)": "Bis (UTC)",
    "Tenant id": "Mandanten-ID",
    "Via": "Über",
    "What": "Was",
    "Object": "Objekt",
    "Changes": "Änderungen",
    # tenant settings and password policy
    "Where your phones get their configuration": "Woher Ihre Telefone ihre Konfiguration holen",
    "The URL carries your tenant's secret: give it to phones (DHCP or their web interface), "
    "not to people.": "Die URL enthält das Geheimnis Ihres Mandanten: geben Sie sie Telefonen "
                      "(DHCP oder deren Weboberfläche), nicht Menschen.",
    "Provisioning URL": "Provisionierungs-URL",
    "DHCP option 66": "DHCP-Option 66",
    "The previous URL keeps working until {at}.": "Die bisherige URL funktioniert noch bis {at}.",
    "Re-sync every phone of the tenant": "Alle Telefone des Mandanten neu synchronisieren",
    "Password policy": "Passwortrichtlinie",
    "Level": "Stufe",
    "What it demands": "Was sie verlangt",
    "too guessable": "zu leicht zu erraten",
    "very guessable": "sehr leicht zu erraten",
    "somewhat guessable": "einigermaßen zu erraten",
    "safely unguessable": "sicher nicht zu erraten",
    "very unguessable": "sehr sicher nicht zu erraten",
    "Anything: fewer than a thousand guesses find it.":
        "Alles: weniger als tausend Versuche finden es.",
    "Resists about a thousand guesses: stops only the most careless attacks.":
        "Hält etwa tausend Versuchen stand: stoppt nur die plumpesten Angriffe.",
    "Resists about a million guesses: stops guessing over the network.":
        "Hält etwa einer Million Versuchen stand: stoppt Raten über das Netz.",
    "Resists about 10^8 guesses: moderate protection if a hash leaks.":
        "Hält etwa 10^8 Versuchen stand: mäßiger Schutz, wenn ein Hash abfließt.",
    "Resists about 10^10 guesses: strong protection if a hash leaks.":
        "Hält etwa 10^10 Versuchen stand: starker Schutz, wenn ein Hash abfließt.",
    "Every password has at least {n} characters. The platform demands level {floor} or more.":
        "Jedes Passwort hat mindestens {n} Zeichen. Die Plattform verlangt Stufe {floor} oder "
        "mehr.",
    "Minimum strength": "Mindeststärke",
    "Forced change after (days; empty: never)": "Erzwungener Wechsel nach (Tagen; leer: nie)",
    "The password policy was saved.": "Die Passwortrichtlinie wurde gespeichert.",
    "Every registered phone is told to fetch its configuration now (snom phones without "
    "rebooting, Yealink phones may reboot). The phones are told a few at a time, so this takes "
    "a while; you can leave the page.": "Jedes registrierte Telefon wird aufgefordert, seine "
    "Konfiguration jetzt abzurufen (snom ohne Neustart, Yealink womöglich mit). Die Telefone "
    "werden nach und nach benachrichtigt, das dauert eine Weile; Sie können die Seite "
    "verlassen.",
    "Start": "Starten",
    "Progress": "Fortschritt",
    "devices": "Geräte",
    "The work goes on without this page; reload it any time.":
        "Die Arbeit läuft ohne diese Seite weiter; laden Sie sie jederzeit neu.",
    # phonebook
    "Search (name, company or number)": "Suche (Name, Firma oder Nummer)",
    "Company": "Firma",
    "private": "privat",
    "Delete": "Löschen",
    "New contact": "Neuer Kontakt",
    "First name": "Vorname",
    "Last name": "Nachname",
    "office": "Büro",
    "mobile": "Mobil",
    "home": "Privat",
    "other": "Sonstige",
    "Private (only you see it)": "Privat (nur Sie sehen ihn)",
    "Your contacts are private: only you (and your admins) see them.":
        "Ihre Kontakte sind privat: nur Sie (und Ihre Admins) sehen sie.",
    "Add": "Hinzufügen",
    "The contact was added.": "Der Kontakt wurde hinzugefügt.",
    "The contact was deleted.": "Der Kontakt wurde gelöscht.",
    "Export:": "Export:",
    "Import a file": "Datei importieren",
    "CSV or vCard. All or nothing: if a line is wrong, it is named and nothing is imported.":
        "CSV oder vCard. Alles oder nichts: ist eine Zeile falsch, wird sie genannt und nichts "
        "importiert.",
    "Format": "Format",
    "Import": "Importieren",
    "{n} contacts were imported.": "{n} Kontakte wurden importiert.",
    # accounts
    "Accounts and roles": "Konten und Rollen",
    "New account": "Neues Konto",
    "Initial password": "Erstes Passwort",
    "New password (empty: unchanged)": "Neues Passwort (leer: unverändert)",
    "A new role or password signs the account out everywhere.":
        "Eine neue Rolle oder ein neues Passwort meldet das Konto überall ab.",
    "Delete account": "Konto löschen",
    "The account {name} was created.": "Das Konto {name} wurde angelegt.",
    "The account was deleted.": "Das Konto wurde gelöscht.",
    # operator
    "New tenant": "Neuer Mandant",
    "Contract data": "Vertragsdaten",
    "Customer number": "Kundennummer",
    "SIP domain": "SIP-Domain",
    "Superadmins": "Superadmins",
    "The tenant has no superadmin yet.": "Der Mandant hat noch keinen Superadmin.",
    "Create superadmin": "Superadmin anlegen",
    "The tenant {name} was created. Now give it its first superadmin.":
        "Der Mandant {name} wurde angelegt. Geben Sie ihm jetzt seinen ersten Superadmin.",
    "{name} is the tenant's superadmin.": "{name} ist Superadmin des Mandanten.",
}

# Services' errors by their stable error_id; others are shown in the service's own words.
ERRORS_DE: dict[str, str] = {
    "invalid_credentials": "Benutzername oder Passwort falsch",
    "login_throttled": "Zu viele fehlgeschlagene Anmeldungen; bitte warten Sie, bevor Sie es "
                       "erneut versuchen",
    "login_locked": "Zu viele fehlgeschlagene Anmeldungen; die Anmeldung ist eine Weile gesperrt",
    "invalid_current_password": "Das aktuelle Passwort ist falsch",
    "password_unchanged": "Das neue Passwort muss sich vom aktuellen unterscheiden",
    "password_mismatch": "Die beiden neuen Passwörter sind verschieden",
    "weak_password": "Das Passwort ist für die Richtlinie dieses Mandanten zu schwach",
    "forbidden": "Ihre Rolle darf das nicht",
    "not_found": "Nicht gefunden",
    "number_taken": "Diese Rufnummer ist schon die persönliche Rufnummer einer anderen Person",
    "number_not_active": "Nur eine aktive Rufnummer kann zugeordnet werden",
    "personal_number_required": "Wer telefoniert, braucht eine persönliche Rufnummer",
    "account_taken": "Dieses Konto gehört schon einer anderen Person",
    "mac_taken": "Diese MAC-Adresse ist schon registriert",
    "invalid_status": "Das geht im jetzigen Status der Rufnummer nicht",
    "replacement_not_inactive": "Nur eine inaktive Rufnummer kann eine andere ersetzen",
    "username_taken": "Dieser Benutzername ist vergeben",
    "role_too_high": "Niemand kann eine höhere Rolle als die eigene vergeben",
    "superadmin_protected": "Ein Admin kann einen Superadmin nicht ändern oder löschen",
    "last_superadmin": "Der letzte Superadmin eines Mandanten kann nicht gelöscht oder "
                       "herabgestuft werden",
    "operator_only": "Vertragsdaten ändert der Plattformbetreiber",
    "sip_core_unavailable": "Der SIP-Server antwortet nicht",
    # {placeholders} are filled from the error's details
    "import_failed": "Zeile {line}, Feld {field}: {error}; es wurde nichts importiert",
    "device_not_registered": "Von diesem Gerät ist keine Registrierung bekannt",
}
