"""Demo courses for everyone and for sales: platform fundamentals, selling, the referral quick start and the
partner admin course."""

from .texts import (
    ADMIN,
    MSP,
    REFERRAL,
    RESELLER,
    SI,
    VIDEO_HOST,
    CourseSpec,
    LessonSpec,
    QuestionSpec,
    T,
    many,
    no,
    yes,
)

PLATFORM = CourseSpec(
    "platform-fundamentals",
    T("Platform fundamentals", "Plattform-Grundlagen", "Les fondamentaux de la plateforme", "Fundamentos de la plataforma",
      "プラットフォームの基礎"),
    T("What the platform does, who buys it and how it is licensed.",
      "Was die Plattform leistet, wer sie kauft und wie sie lizenziert wird.",
      "Ce que fait la plateforme, qui l'achète et comment elle est licenciée.",
      "Qué hace la plataforma, quién la compra y cómo se licencia.",
      "プラットフォームの機能、購入する顧客、ライセンス体系を学びます。"),
    45,
    (
        LessonSpec(T("What the platform does", "Was die Plattform leistet", "Ce que fait la plateforme",
                     "Qué hace la plataforma", "プラットフォームでできること"),
                   T("The platform brings cloud workloads, security and analytics under one console. Customers start "
                     "with Cloud Core and add modules as they grow.",
                     "Die Plattform vereint Cloud-Workloads, Sicherheit und Analysen in einer Konsole. Kunden starten "
                     "mit Cloud Core und ergänzen Module, wenn sie wachsen.",
                     "La plateforme réunit charges de travail cloud, sécurité et analyse dans une seule console. Les "
                     "clients commencent par Cloud Core et ajoutent des modules en grandissant.",
                     "La plataforma reúne cargas de trabajo en la nube, seguridad y analítica en una sola consola. Los "
                     "clientes empiezan con Cloud Core y añaden módulos a medida que crecen.",
                     "プラットフォームは、クラウドのワークロード、セキュリティ、分析を一つのコンソールにまとめます。"
                     "お客様はCloud Coreから始め、成長に合わせてモジュールを追加します。")),
        LessonSpec(T("Product tour (video)", "Produkttour (Video)", "Visite du produit (vidéo)",
                     "Recorrido por el producto (vídeo)", "製品ツアー（動画）"),
                   T("A twelve-minute tour of the console, from the first login to the first dashboard.",
                     "Ein zwölfminütiger Rundgang durch die Konsole, von der ersten Anmeldung bis zum ersten Dashboard.",
                     "Une visite de douze minutes de la console, de la première connexion au premier tableau de bord.",
                     "Un recorrido de doce minutos por la consola, desde el primer inicio de sesión hasta el primer panel.",
                     "最初のログインから最初のダッシュボードまで、コンソールを12分で紹介します。"),
                   kind="video", video_url=f"{VIDEO_HOST}/platform-tour", minutes=12),
        LessonSpec(T("Licensing and editions", "Lizenzen und Editionen", "Licences et éditions", "Licencias y ediciones",
                     "ライセンスとエディション"),
                   T("Licences are sold per workload per year, in Standard and Enterprise editions. Enterprise adds "
                     "single sign-on, audit logs and premium support.",
                     "Lizenzen werden pro Workload und Jahr verkauft, in den Editionen Standard und Enterprise. "
                     "Enterprise ergänzt Single Sign-on, Audit-Logs und Premium-Support.",
                     "Les licences sont vendues par charge de travail et par an, en éditions Standard et Enterprise. "
                     "Enterprise ajoute l'authentification unique, les journaux d'audit et le support premium.",
                     "Las licencias se venden por carga de trabajo y año, en ediciones Standard y Enterprise. Enterprise "
                     "añade inicio de sesión único, registros de auditoría y soporte premium.",
                     "ライセンスはワークロード単位の年間契約で、StandardとEnterpriseの2エディションがあります。"
                     "Enterpriseではシングルサインオン、監査ログ、プレミアムサポートが加わります。")),
    ),
    (
        QuestionSpec(T("Which product do customers usually start with?",
                       "Mit welchem Produkt beginnen Kunden meistens?",
                       "Par quel produit les clients commencent-ils généralement ?",
                       "¿Con qué producto suelen empezar los clientes?",
                       "お客様が通常最初に導入する製品はどれですか？"),
                     ((T.same("Cloud Core"), True), (T.same("Backup Vault"), False), (T.same("Premium Support"), False))),
        QuestionSpec(T("How are licences sold?", "Wie werden Lizenzen verkauft?",
                       "Comment les licences sont-elles vendues ?", "¿Cómo se venden las licencias?",
                       "ライセンスはどのように販売されますか？"),
                     (yes("Per workload per year", "Pro Workload und Jahr", "Par charge de travail et par an",
                          "Por carga de trabajo y año", "ワークロード単位の年間契約"),
                      no("Per user per month", "Pro Benutzer und Monat", "Par utilisateur et par mois",
                         "Por usuario y mes", "ユーザー単位の月額契約"),
                      no("One perpetual licence per company", "Eine unbefristete Lizenz pro Unternehmen",
                         "Une licence perpétuelle par entreprise", "Una licencia perpetua por empresa",
                         "企業ごとの永続ライセンス"))),
        QuestionSpec(many(T("What does the Enterprise edition add?", "Was bietet die Enterprise-Edition zusätzlich?",
                            "Qu'apporte l'édition Enterprise ?", "¿Qué añade la edición Enterprise?",
                            "Enterpriseエディションで追加されるものは？")),
                     (yes("Single sign-on", "Single Sign-on", "Authentification unique", "Inicio de sesión único",
                          "シングルサインオン"),
                      yes("Audit logs", "Audit-Logs", "Journaux d'audit", "Registros de auditoría", "監査ログ"),
                      no("Free hardware", "Kostenlose Hardware", "Matériel gratuit", "Hardware gratuito",
                         "無償のハードウェア"),
                      yes("Premium support", "Premium-Support", "Support premium", "Soporte premium",
                          "プレミアムサポート"))),
        QuestionSpec(T("Where do customers manage workloads, security and analytics?",
                       "Wo verwalten Kunden Workloads, Sicherheit und Analysen?",
                       "Où les clients gèrent-ils charges de travail, sécurité et analyse ?",
                       "¿Dónde gestionan los clientes cargas de trabajo, seguridad y analítica?",
                       "お客様はワークロード、セキュリティ、分析をどこで管理しますか？"),
                     (yes("In one console", "In einer Konsole", "Dans une seule console", "En una sola consola",
                          "一つのコンソールで"),
                      no("In a separate tool for each module", "In einem eigenen Werkzeug pro Modul",
                         "Dans un outil distinct par module", "En una herramienta distinta para cada módulo",
                         "モジュールごとに別々のツールで"))),
    ),
)

SELLING = CourseSpec(
    "selling-the-platform",
    T("Selling the platform", "Die Plattform verkaufen", "Vendre la plateforme", "Vender la plataforma",
      "プラットフォームの販売"),
    T("Qualify opportunities, handle objections and register deals before you quote.",
      "Opportunities qualifizieren, Einwände behandeln und Deals vor dem Angebot registrieren.",
      "Qualifier les opportunités, traiter les objections et enregistrer les affaires avant de chiffrer.",
      "Calificar oportunidades, responder objeciones y registrar acuerdos antes de cotizar.",
      "案件の見極め、反論への対応、見積前の案件登録を学びます。"),
    60,
    (
        LessonSpec(T("Finding the right customers", "Die richtigen Kunden finden", "Trouver les bons clients",
                     "Encontrar a los clientes adecuados", "適切な顧客を見つける"),
                   T("The best prospects run more than fifty workloads and have a security team. Ask about their "
                     "renewal dates and current tools first.",
                     "Die besten Interessenten betreiben mehr als fünfzig Workloads und haben ein Sicherheitsteam. "
                     "Fragen Sie zuerst nach Verlängerungsterminen und eingesetzten Werkzeugen.",
                     "Les meilleurs prospects exploitent plus de cinquante charges de travail et disposent d'une équipe "
                     "sécurité. Demandez d'abord leurs dates de renouvellement et leurs outils actuels.",
                     "Los mejores prospectos ejecutan más de cincuenta cargas de trabajo y tienen un equipo de "
                     "seguridad. Pregunte primero por sus fechas de renovación y sus herramientas actuales.",
                     "有望な見込み客は50以上のワークロードを運用し、セキュリティチームを持っています。"
                     "まず契約更新の時期と現在のツールを確認しましょう。")),
        LessonSpec(T("Pricing and packaging cheat sheet", "Spickzettel Preise und Pakete", "Aide-mémoire prix et offres",
                     "Guía rápida de precios y paquetes", "価格とパッケージの早見表"),
                   T("Download the one-page cheat sheet and keep it next to you in customer calls.",
                     "Laden Sie den einseitigen Spickzettel herunter und halten Sie ihn bei Kundengesprächen bereit.",
                     "Téléchargez l'aide-mémoire d'une page et gardez-le à portée de main pendant vos appels clients.",
                     "Descargue la guía de una página y téngala a mano en las llamadas con clientes.",
                     "1ページの早見表をダウンロードし、商談時に手元に置いておきましょう。"),
                   kind="file", minutes=5,
                   pdf=("pricing-cheat-sheet.pdf", ("Pricing and packaging cheat sheet",
                                                    "Standard edition: licensed per workload per year.",
                                                    "Enterprise edition: adds single sign-on, audit logs and "
                                                    "premium support.",
                                                    "Register every deal in the partner portal before you quote."))),
        LessonSpec(T("Registering deals and handling objections", "Deals registrieren und Einwände behandeln",
                     "Enregistrer les affaires et traiter les objections", "Registrar acuerdos y responder objeciones",
                     "案件登録と反論への対応"),
                   T("Register the opportunity in the portal before you quote: an approved registration protects your "
                     "margin. When price is the objection, show the cost of the tools it replaces.",
                     "Registrieren Sie die Opportunity im Portal, bevor Sie ein Angebot abgeben: Eine genehmigte "
                     "Registrierung schützt Ihre Marge. Ist der Preis der Einwand, zeigen Sie die Kosten der Werkzeuge, "
                     "die sie ersetzt.",
                     "Enregistrez l'opportunité dans le portail avant de chiffrer : un enregistrement approuvé protège "
                     "votre marge. Si le prix pose problème, montrez le coût des outils qu'elle remplace.",
                     "Registre la oportunidad en el portal antes de cotizar: un registro aprobado protege su margen. "
                     "Si la objeción es el precio, muestre el coste de las herramientas que sustituye.",
                     "見積を出す前にポータルで案件を登録してください。承認された登録が利益を守ります。"
                     "価格が懸念される場合は、置き換えるツールのコストを示しましょう。")),
    ),
    (
        QuestionSpec(T("When do you register a deal?", "Wann registrieren Sie einen Deal?",
                       "Quand enregistrez-vous une affaire ?", "¿Cuándo registra un acuerdo?", "案件はいつ登録しますか？"),
                     (yes("Before you quote", "Vor dem Angebot", "Avant de chiffrer", "Antes de cotizar", "見積を出す前"),
                      no("After the customer has signed", "Nachdem der Kunde unterschrieben hat",
                         "Après la signature du client", "Después de que el cliente firme", "顧客が署名した後"),
                      no("Only for deals above 100,000", "Nur bei Deals über 100.000",
                         "Uniquement pour les affaires de plus de 100 000", "Solo para acuerdos de más de 100.000",
                         "10万を超える案件のみ"))),
        QuestionSpec(T("What does an approved registration protect?", "Was schützt eine genehmigte Registrierung?",
                       "Que protège un enregistrement approuvé ?", "¿Qué protege un registro aprobado?",
                       "承認された登録は何を守りますか？"),
                     (yes("Your margin on the deal", "Ihre Marge beim Deal", "Votre marge sur l'affaire",
                          "Su margen en el acuerdo", "その案件での利益"),
                      no("The customer's data", "Die Daten des Kunden", "Les données du client", "Los datos del cliente",
                         "顧客のデータ"),
                      no("Your MDF budget", "Ihr MDF-Budget", "Votre budget MDF", "Su presupuesto MDF", "MDF予算"))),
        QuestionSpec(many(T("Which signs point to a strong prospect?",
                            "Welche Anzeichen sprechen für einen guten Interessenten?",
                            "Quels signes indiquent un bon prospect ?", "¿Qué señales indican un buen prospecto?",
                            "有望な見込み客を示すサインは？")),
                     (yes("More than fifty workloads", "Mehr als fünfzig Workloads",
                          "Plus de cinquante charges de travail", "Más de cincuenta cargas de trabajo",
                          "50以上のワークロード"),
                      yes("A security team", "Ein Sicherheitsteam", "Une équipe sécurité", "Un equipo de seguridad",
                          "セキュリティチーム"),
                      no("No IT budget this year", "Kein IT-Budget in diesem Jahr", "Aucun budget informatique cette année",
                         "Sin presupuesto de TI este año", "今年はIT予算がない"))),
        QuestionSpec(T("Price is the objection. What do you show?", "Der Preis ist der Einwand. Was zeigen Sie?",
                       "Le prix pose problème. Que montrez-vous ?", "La objeción es el precio. ¿Qué muestra?",
                       "価格が懸念されています。何を示しますか？"),
                     (yes("The cost of the tools it replaces", "Die Kosten der Werkzeuge, die sie ersetzt",
                          "Le coût des outils qu'elle remplace", "El coste de las herramientas que sustituye",
                          "置き換えるツールのコスト"),
                      no("A bigger discount straight away", "Sofort einen höheren Rabatt",
                         "Une remise plus forte tout de suite", "Un descuento mayor de inmediato", "すぐに大幅な値引き"))),
        QuestionSpec(T("What do you ask a prospect first?", "Was fragen Sie einen Interessenten zuerst?",
                       "Que demandez-vous d'abord à un prospect ?", "¿Qué pregunta primero a un prospecto?",
                       "見込み客に最初に確認することは？"),
                     (yes("Their renewal dates and current tools", "Verlängerungstermine und eingesetzte Werkzeuge",
                          "Ses dates de renouvellement et ses outils actuels",
                          "Sus fechas de renovación y herramientas actuales", "契約更新の時期と現在のツール"),
                      no("Their annual revenue", "Seinen Jahresumsatz", "Son chiffre d'affaires annuel",
                         "Su facturación anual", "年間売上高"),
                      no("Their office address", "Seine Büroadresse", "L'adresse de ses bureaux",
                         "La dirección de su oficina", "オフィスの所在地"))),
    ),
    partner_types=(RESELLER, MSP, REFERRAL, SI),
)

# No Japanese on purpose: Japanese readers see the English text marked "(English)".

REFERRAL_QUICK_START = CourseSpec(
    "referral-quick-start",
    T("Referral partner quick start", "Schnellstart für Empfehlungspartner",
      "Démarrage rapide pour les apporteurs d'affaires", "Inicio rápido para socios de referencia",
      "紹介パートナー クイックスタート"),
    T("A fifteen-minute start: who to refer, how to submit a lead and how referral fees are paid.",
      "Ein Start in fünfzehn Minuten: wen Sie empfehlen, wie Sie einen Lead einreichen und wie Provisionen gezahlt "
      "werden.",
      "Quinze minutes pour démarrer : qui recommander, comment soumettre un lead et comment les commissions sont "
      "versées.",
      "Un inicio de quince minutos: a quién recomendar, cómo enviar un lead y cómo se pagan las comisiones.",
      "15分で始める：紹介先の選び方、リードの登録方法、紹介料の支払い方法。"),
    15,
    (
        LessonSpec(T("Who to refer", "Wen Sie empfehlen", "Qui recommander", "A quién recomendar", "紹介すべき顧客"),
                   T("Refer companies with more than fifty employees that are planning a move to the cloud. One "
                     "introduction by e-mail is enough.",
                     "Empfehlen Sie Unternehmen mit mehr als fünfzig Beschäftigten, die einen Umzug in die Cloud planen. "
                     "Eine Vorstellung per E-Mail genügt.",
                     "Recommandez des entreprises de plus de cinquante salariés qui prévoient de passer au cloud. Une "
                     "présentation par e-mail suffit.",
                     "Recomiende empresas de más de cincuenta empleados que planeen pasar a la nube. Basta con una "
                     "presentación por correo electrónico.",
                     "クラウド移行を計画している従業員50名以上の企業を紹介してください。メールでの紹介1回で十分です。"),
                   minutes=5),
        LessonSpec(T("Submitting a lead and getting paid", "Leads einreichen und Provision erhalten",
                     "Soumettre un lead et être rémunéré", "Enviar un lead y cobrar", "リードの登録と報酬の受け取り"),
                   T("Register the lead in the portal with a contact name and e-mail. The referral fee is paid once the "
                     "customer's first invoice is settled.",
                     "Registrieren Sie den Lead im Portal mit Ansprechpartner und E-Mail. Die Provision wird gezahlt, "
                     "sobald die erste Rechnung des Kunden beglichen ist.",
                     "Enregistrez le lead dans le portail avec un nom de contact et un e-mail. La commission est versée "
                     "dès que la première facture du client est réglée.",
                     "Registre el lead en el portal con un nombre de contacto y un correo electrónico. La comisión se "
                     "paga cuando el cliente abona su primera factura.",
                     "担当者名とメールアドレスを添えてポータルにリードを登録します。"
                     "紹介料は顧客の初回請求が支払われた時点で支払われます。"), minutes=5),
    ),
    (
        QuestionSpec(T("Which company is a good referral?", "Welches Unternehmen ist eine gute Empfehlung?",
                       "Quelle entreprise est une bonne recommandation ?", "¿Qué empresa es una buena recomendación?",
                       "紹介に適した企業はどれですか？"),
                     (yes("200 employees, planning a cloud move", "200 Beschäftigte, plant den Umzug in die Cloud",
                          "200 salariés, prévoit de passer au cloud", "200 empleados, planea pasar a la nube",
                          "従業員200名、クラウド移行を計画中"),
                      no("A two-person shop with no IT", "Ein Zwei-Personen-Betrieb ohne IT",
                         "Une entreprise de deux personnes sans informatique", "Un negocio de dos personas sin TI",
                         "IT部門のない2名の店舗"))),
        QuestionSpec(many(T("What do you include when you register a lead?",
                            "Was geben Sie bei der Registrierung eines Leads an?",
                            "Qu'indiquez-vous lorsque vous enregistrez un lead ?", "¿Qué incluye al registrar un lead?",
                            "リード登録時に入力するものは？")),
                     (yes("A contact name", "Einen Ansprechpartner", "Un nom de contact", "Un nombre de contacto",
                          "担当者名"),
                      yes("The contact's e-mail", "Die E-Mail-Adresse des Kontakts", "L'e-mail du contact",
                          "El correo electrónico del contacto", "担当者のメールアドレス"),
                      no("The customer's bank details", "Die Bankverbindung des Kunden",
                         "Les coordonnées bancaires du client", "Los datos bancarios del cliente", "顧客の銀行口座情報"))),
        QuestionSpec(T("When is the referral fee paid?", "Wann wird die Provision gezahlt?",
                       "Quand la commission est-elle versée ?", "¿Cuándo se paga la comisión?",
                       "紹介料はいつ支払われますか？"),
                     (yes("Once the customer's first invoice is settled",
                          "Sobald die erste Rechnung des Kunden beglichen ist",
                          "Dès que la première facture du client est réglée", "Cuando el cliente abona su primera factura",
                          "顧客の初回請求が支払われた時点"),
                      no("When the lead is submitted", "Beim Einreichen des Leads", "À la soumission du lead",
                         "Al enviar el lead", "リードを登録した時点"))),
    ),
    partner_types=(REFERRAL,),
)

ADMIN_ESSENTIALS = CourseSpec(
    "partner-admin-essentials",
    T("Running your partner account", "Ihr Partnerkonto verwalten", "Gérer votre compte partenaire",
      "Gestionar su cuenta de socio", "パートナーアカウントの管理"),
    T("For partner admins: your team, permissions, tier progress and funds in the portal.",
      "Für Partner-Admins: Ihr Team, Berechtigungen, Stufenfortschritt und Mittel im Portal.",
      "Pour les administrateurs partenaires : votre équipe, les droits, la progression de niveau et les fonds dans le "
      "portail.",
      "Para administradores de socios: su equipo, los permisos, el avance de nivel y los fondos en el portal.",
      "パートナー管理者向け：ポータルでのチーム、権限、ティアの進捗、資金の管理。"),
    25,
    (
        LessonSpec(T("Your team and permissions", "Ihr Team und Berechtigungen", "Votre équipe et les droits",
                     "Su equipo y los permisos", "チームと権限"),
                   T("Invite colleagues from the team page and give each only the permissions they need: registering "
                     "deals, claiming MDF or managing users.",
                     "Laden Sie Kolleginnen und Kollegen über die Teamseite ein und geben Sie jedem nur die "
                     "Berechtigungen, die er braucht: Deals registrieren, MDF beantragen oder Benutzer verwalten.",
                     "Invitez vos collègues depuis la page Équipe et ne donnez à chacun que les droits nécessaires : "
                     "enregistrer des affaires, demander des MDF ou gérer les utilisateurs.",
                     "Invite a sus compañeros desde la página del equipo y dé a cada uno solo los permisos que necesita: "
                     "registrar acuerdos, solicitar MDF o gestionar usuarios.",
                     "チームページから同僚を招待し、案件登録、MDF申請、ユーザー管理など、必要な権限だけを付与します。")),
        LessonSpec(T("Tier progress and certifications", "Stufenfortschritt und Zertifizierungen",
                     "Progression de niveau et certifications", "Avance de nivel y certificaciones",
                     "ティアの進捗と認定資格"),
                   T("Your tier depends on won revenue, deals, health and active certifications. Renew certifications "
                     "before they expire so your tier is not at risk.",
                     "Ihre Stufe hängt von gewonnenem Umsatz, Deals, Health Score und aktiven Zertifizierungen ab. "
                     "Verlängern Sie Zertifizierungen vor Ablauf, damit Ihre Stufe nicht gefährdet ist.",
                     "Votre niveau dépend du chiffre d'affaires gagné, des affaires, de la santé et des certifications "
                     "actives. Renouvelez les certifications avant leur expiration pour ne pas mettre votre niveau en "
                     "danger.",
                     "Su nivel depende de los ingresos ganados, los acuerdos, la salud y las certificaciones activas. "
                     "Renueve las certificaciones antes de que caduquen para no poner en riesgo su nivel.",
                     "ティアは受注額、案件数、ヘルススコア、有効な認定資格によって決まります。"
                     "ティアを維持するため、認定資格は有効期限が切れる前に更新しましょう。")),
    ),
    (
        QuestionSpec(many(T("What does your tier depend on?", "Wovon hängt Ihre Stufe ab?",
                            "De quoi dépend votre niveau ?", "¿De qué depende su nivel?", "ティアを決める要素は？")),
                     (yes("Active certifications", "Aktive Zertifizierungen", "Les certifications actives",
                          "Las certificaciones activas", "有効な認定資格"),
                      yes("Won revenue", "Gewonnener Umsatz", "Le chiffre d'affaires gagné", "Los ingresos ganados",
                          "受注額"),
                      no("The number of logins", "Die Zahl der Anmeldungen", "Le nombre de connexions",
                         "El número de inicios de sesión", "ログイン回数"))),
        QuestionSpec(T("Which permissions should a colleague get?",
                       "Welche Berechtigungen sollte eine Kollegin oder ein Kollege erhalten?",
                       "Quels droits donner à un collègue ?", "¿Qué permisos debe recibir un compañero?",
                       "同僚にはどの権限を付与すべきですか？"),
                     (yes("Only those they need", "Nur die, die sie brauchen", "Seulement ceux dont il a besoin",
                          "Solo los que necesita", "必要な権限だけ"),
                      no("All of them, to be safe", "Alle, sicherheitshalber", "Tous, par précaution",
                         "Todos, por si acaso", "念のためすべて"))),
        QuestionSpec(T("When do you renew a certification?", "Wann verlängern Sie eine Zertifizierung?",
                       "Quand renouvelez-vous une certification ?", "¿Cuándo renueva una certificación?",
                       "認定資格はいつ更新しますか？"),
                     (yes("Before it expires", "Vor dem Ablauf", "Avant son expiration", "Antes de que caduque",
                          "有効期限が切れる前"),
                      no("A year after it expired", "Ein Jahr nach dem Ablauf", "Un an après son expiration",
                         "Un año después de que caduque", "期限切れの1年後"))),
    ),
    roles=(ADMIN,),
)
