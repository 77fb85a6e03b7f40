"""Demo courses for technical people: the technical deep dive (no Japanese, on purpose), MSP operations, the
technical renewal course and security essentials."""

from .texts import ISV, MSP, RESELLER, SI, VIDEO_HOST, CourseSpec, LessonSpec, QuestionSpec, T, many, no, yes  # noqa: E501

TECHNICAL = CourseSpec(
    "technical-deep-dive",
    T("Technical deep dive for integrators", "Technischer Deep Dive für Integratoren",
      "Plongée technique pour les intégrateurs", "Inmersión técnica para integradores"),
    T("Architecture, integration APIs, identity and migration patterns for implementation projects.",
      "Architektur, Integrations-APIs, Identität und Migrationsmuster für Implementierungsprojekte.",
      "Architecture, API d'intégration, identité et modèles de migration pour les projets de mise en œuvre.",
      "Arquitectura, API de integración, identidad y patrones de migración para proyectos de implantación."),
    120,
    (
        LessonSpec(T("Reference architecture", "Referenzarchitektur", "Architecture de référence",
                     "Arquitectura de referencia"),
                   T("Each tenant runs in its own region with a control plane and regional data planes. Plan network "
                     "connectivity before the first workload moves.",
                     "Jeder Mandant läuft in seiner eigenen Region mit einer Steuerungsebene und regionalen "
                     "Datenebenen. Planen Sie die Netzwerkanbindung, bevor der erste Workload umzieht.",
                     "Chaque locataire fonctionne dans sa propre région, avec un plan de contrôle et des plans de "
                     "données régionaux. Planifiez la connectivité réseau avant de migrer la première charge de travail.",
                     "Cada inquilino se ejecuta en su propia región con un plano de control y planos de datos "
                     "regionales. Planifique la conectividad de red antes de mover la primera carga de trabajo."),
                   minutes=30),
        LessonSpec(T("Integration APIs and webhooks", "Integrations-APIs und Webhooks", "API d'intégration et webhooks",
                     "API de integración y webhooks"),
                   T("The REST API covers every console action; webhooks report changes within seconds. Use service "
                     "accounts with scoped tokens, never personal credentials.",
                     "Die REST-API deckt jede Aktion der Konsole ab; Webhooks melden Änderungen innerhalb von Sekunden. "
                     "Verwenden Sie Dienstkonten mit eingeschränkten Tokens, nie persönliche Zugangsdaten.",
                     "L'API REST couvre chaque action de la console ; les webhooks signalent les changements en quelques "
                     "secondes. Utilisez des comptes de service avec des jetons limités, jamais des identifiants "
                     "personnels.",
                     "La API REST cubre todas las acciones de la consola; los webhooks informan de los cambios en "
                     "segundos. Use cuentas de servicio con tokens limitados, nunca credenciales personales."),
                   minutes=30),
        LessonSpec(T("Identity and single sign-on (video)", "Identität und Single Sign-on (Video)",
                     "Identité et authentification unique (vidéo)", "Identidad e inicio de sesión único (vídeo)"),
                   T("How to connect the customer's identity provider with SAML or OpenID Connect.",
                     "So verbinden Sie den Identitätsanbieter des Kunden per SAML oder OpenID Connect.",
                     "Comment connecter le fournisseur d'identité du client avec SAML ou OpenID Connect.",
                     "Cómo conectar el proveedor de identidad del cliente con SAML u OpenID Connect."),
                   kind="video", video_url=f"{VIDEO_HOST}/identity-sso", minutes=20),
        LessonSpec(T("Migration patterns", "Migrationsmuster", "Modèles de migration", "Patrones de migración"),
                   T("Move workloads in waves: pilot, low-risk, then business-critical. Keep a rollback plan for every "
                     "wave.",
                     "Verschieben Sie Workloads in Wellen: Pilot, geringes Risiko, dann geschäftskritisch. Halten Sie "
                     "für jede Welle einen Rückfallplan bereit.",
                     "Migrez les charges de travail par vagues : pilote, faible risque, puis critiques. Prévoyez un plan "
                     "de retour arrière pour chaque vague.",
                     "Mueva las cargas de trabajo por oleadas: piloto, bajo riesgo y después críticas. Tenga un plan de "
                     "vuelta atrás para cada oleada."),
                   minutes=25),
    ),
    (
        QuestionSpec(T("What should integrations authenticate with?", "Womit sollen sich Integrationen anmelden?",
                       "Avec quoi les intégrations doivent-elles s'authentifier ?",
                       "¿Con qué deben autenticarse las integraciones?"),
                     (yes("Service accounts with scoped tokens", "Dienstkonten mit eingeschränkten Tokens",
                          "Des comptes de service avec des jetons limités", "Cuentas de servicio con tokens limitados"),
                      no("An administrator's personal password", "Das persönliche Passwort eines Administrators",
                         "Le mot de passe personnel d'un administrateur", "La contraseña personal de un administrador"))),
        QuestionSpec(many(T("Which protocols connect a customer's identity provider?",
                            "Welche Protokolle verbinden den Identitätsanbieter eines Kunden?",
                            "Quels protocoles connectent le fournisseur d'identité d'un client ?",
                            "¿Qué protocolos conectan el proveedor de identidad de un cliente?")),
                     ((T("SAML", "SAML", "SAML", "SAML"), True), (T("OpenID Connect", "OpenID Connect", "OpenID Connect",
                                                                    "OpenID Connect"), True),
                      (T("FTP", "FTP", "FTP", "FTP"), False))),
        QuestionSpec(T("In which order do workloads move?", "In welcher Reihenfolge ziehen Workloads um?",
                       "Dans quel ordre les charges de travail migrent-elles ?",
                       "¿En qué orden se mueven las cargas de trabajo?"),
                     (yes("Pilot, low-risk, then business-critical", "Pilot, geringes Risiko, dann geschäftskritisch",
                          "Pilote, faible risque, puis critiques", "Piloto, bajo riesgo y después críticas"),
                      no("Business-critical first", "Geschäftskritische zuerst", "Les critiques d'abord",
                         "Las críticas primero"),
                      no("All at once over a weekend", "Alle auf einmal an einem Wochenende",
                         "Toutes en même temps un week-end", "Todas a la vez en un fin de semana"))),
        QuestionSpec(T("How quickly do webhooks report changes?", "Wie schnell melden Webhooks Änderungen?",
                       "En combien de temps les webhooks signalent-ils les changements ?",
                       "¿Con qué rapidez informan los webhooks de los cambios?"),
                     (yes("Within seconds", "Innerhalb von Sekunden", "En quelques secondes", "En segundos"),
                      no("Once a day", "Einmal am Tag", "Une fois par jour", "Una vez al día"))),
        QuestionSpec(T("What do you plan before the first workload moves?",
                       "Was planen Sie, bevor der erste Workload umzieht?",
                       "Que planifiez-vous avant la migration de la première charge de travail ?",
                       "¿Qué planifica antes de mover la primera carga de trabajo?"),
                     (yes("Network connectivity", "Die Netzwerkanbindung", "La connectivité réseau",
                          "La conectividad de red"),
                      no("The launch party", "Die Einweihungsfeier", "La fête de lancement", "La fiesta de lanzamiento"))),
    ),
    partner_types=(SI, ISV, MSP, RESELLER),
)

MSP_OPERATIONS = CourseSpec(
    "msp-operations",
    T("MSP operations", "MSP-Betrieb", "Opérations MSP", "Operaciones para MSP", "MSPの運用"),
    T("Run many customers from one console: tenants, monitoring, billing and escalations.",
      "Viele Kunden aus einer Konsole betreuen: Mandanten, Überwachung, Abrechnung und Eskalationen.",
      "Gérer de nombreux clients depuis une seule console : locataires, supervision, facturation et escalades.",
      "Gestionar muchos clientes desde una sola consola: inquilinos, supervisión, facturación y escalados.",
      "一つのコンソールで多数の顧客を運用：テナント、監視、請求、エスカレーション。"),
    90,
    (
        LessonSpec(T("Managing customer tenants", "Kundenmandanten verwalten", "Gérer les locataires clients",
                     "Gestionar los inquilinos de los clientes", "顧客テナントの管理"),
                   T("Create one tenant per customer and group them by service level. Delegated access lets your "
                     "engineers work without sharing customer passwords.",
                     "Legen Sie pro Kunde einen Mandanten an und gruppieren Sie sie nach Service-Level. Delegierter "
                     "Zugriff lässt Ihre Techniker arbeiten, ohne Kundenpasswörter zu teilen.",
                     "Créez un locataire par client et regroupez-les par niveau de service. L'accès délégué permet à vos "
                     "ingénieurs de travailler sans partager les mots de passe des clients.",
                     "Cree un inquilino por cliente y agrúpelos por nivel de servicio. El acceso delegado permite a sus "
                     "técnicos trabajar sin compartir las contraseñas de los clientes.",
                     "顧客ごとにテナントを作成し、サービスレベル別にグループ化します。"
                     "委任アクセスにより、エンジニアは顧客のパスワードを共有せずに作業できます。"), minutes=30),
        LessonSpec(T("Monitoring and alerts", "Überwachung und Alarme", "Supervision et alertes", "Supervisión y alertas",
                     "監視とアラート"),
                   T("Route alerts to your ticketing system and set quiet hours per customer. Review noisy alerts every "
                     "month.",
                     "Leiten Sie Alarme an Ihr Ticketsystem weiter und legen Sie Ruhezeiten pro Kunde fest. Prüfen Sie "
                     "störende Alarme jeden Monat.",
                     "Envoyez les alertes vers votre outil de tickets et définissez des heures calmes par client. Revoyez "
                     "chaque mois les alertes trop bruyantes.",
                     "Envíe las alertas a su sistema de tickets y defina horas de silencio por cliente. Revise cada mes "
                     "las alertas ruidosas.",
                     "アラートをチケット管理システムに送り、顧客ごとに通知停止時間を設定します。"
                     "過剰なアラートは毎月見直しましょう。"), minutes=30),
        LessonSpec(T("Usage billing and escalations", "Nutzungsabrechnung und Eskalationen",
                     "Facturation à l'usage et escalades", "Facturación por uso y escalados",
                     "従量課金とエスカレーション"),
                   T("Usage is reported daily per tenant, so you can bill customers monthly. Escalate outages to vendor "
                     "support with the tenant ID and the time the problem started.",
                     "Die Nutzung wird täglich pro Mandant gemeldet, sodass Sie Kunden monatlich abrechnen können. "
                     "Eskalieren Sie Ausfälle an den Hersteller-Support mit Mandanten-ID und Beginn des Problems.",
                     "L'usage est remonté chaque jour par locataire, pour facturer vos clients tous les mois. Escaladez "
                     "les pannes au support de l'éditeur avec l'identifiant du locataire et l'heure de début du problème.",
                     "El uso se informa a diario por inquilino, para que pueda facturar a los clientes cada mes. Escale "
                     "las caídas al soporte del fabricante con el ID del inquilino y la hora de inicio del problema.",
                     "使用量はテナントごとに毎日報告されるため、顧客への請求を月次で行えます。"
                     "障害はテナントIDと発生時刻を添えてベンダーサポートにエスカレーションします。"), minutes=30),
    ),
    (
        QuestionSpec(T("How many tenants do you create per customer?", "Wie viele Mandanten legen Sie pro Kunde an?",
                       "Combien de locataires créez-vous par client ?", "¿Cuántos inquilinos crea por cliente?",
                       "顧客ごとにいくつのテナントを作成しますか？"),
                     (yes("One", "Einen", "Un", "Uno", "1つ"),
                      no("One per engineer", "Einen pro Techniker", "Un par ingénieur", "Uno por técnico",
                         "エンジニアごとに1つ"))),
        QuestionSpec(T("What lets engineers work without sharing customer passwords?",
                       "Was lässt Techniker arbeiten, ohne Kundenpasswörter zu teilen?",
                       "Qu'est-ce qui permet aux ingénieurs de travailler sans partager les mots de passe des clients ?",
                       "¿Qué permite a los técnicos trabajar sin compartir las contraseñas de los clientes?",
                       "エンジニアが顧客のパスワードを共有せずに作業できる仕組みは？"),
                     (yes("Delegated access", "Delegierter Zugriff", "L'accès délégué", "El acceso delegado",
                          "委任アクセス"),
                      no("A shared spreadsheet", "Eine gemeinsame Tabelle", "Un tableur partagé",
                         "Una hoja de cálculo compartida", "共有スプレッドシート"))),
        QuestionSpec(many(T("What goes into an escalation to vendor support?",
                            "Was gehört in eine Eskalation an den Hersteller-Support?",
                            "Que contient une escalade au support de l'éditeur ?",
                            "¿Qué incluye un escalado al soporte del fabricante?",
                            "ベンダーサポートへのエスカレーションに含めるものは？")),
                     (yes("The tenant ID", "Die Mandanten-ID", "L'identifiant du locataire", "El ID del inquilino",
                          "テナントID"),
                      yes("When the problem started", "Wann das Problem begann", "L'heure de début du problème",
                          "Cuándo empezó el problema", "問題の発生時刻"),
                      no("The customer's password", "Das Passwort des Kunden", "Le mot de passe du client",
                         "La contraseña del cliente", "顧客のパスワード"))),
        QuestionSpec(T("How often is usage reported?", "Wie oft wird die Nutzung gemeldet?",
                       "À quelle fréquence l'usage est-il remonté ?", "¿Con qué frecuencia se informa del uso?",
                       "使用量はどのくらいの頻度で報告されますか？"),
                     (yes("Daily, per tenant", "Täglich, pro Mandant", "Chaque jour, par locataire",
                          "A diario, por inquilino", "テナントごとに毎日"),
                      no("Once a year", "Einmal im Jahr", "Une fois par an", "Una vez al año", "年に1回"))),
    ),
    partner_types=(MSP, RESELLER),
)

RENEWAL = CourseSpec(
    "technical-renewal",
    T("Technical specialist renewal: what's new", "Auffrischung Technical Specialist: Neuerungen",
      "Renouvellement Technical Specialist : les nouveautés", "Renovación de Technical Specialist: novedades",
      "テクニカルスペシャリスト更新：新機能"),
    T("Renews the Certified Technical Specialist: this year's changes to the APIs, identity and regions.",
      "Verlängert den Certified Technical Specialist: die Änderungen dieses Jahres an APIs, Identität und Regionen.",
      "Renouvelle la certification Certified Technical Specialist : les changements de l'année sur les API, "
      "l'identité et les régions.",
      "Renueva la certificación Certified Technical Specialist: los cambios de este año en las API, la identidad y "
      "las regiones.",
      "Certified Technical Specialistを更新：今年のAPI、ID管理、リージョンの変更点。"),
    40,
    (
        LessonSpec(T("What changed in the APIs", "Was sich an den APIs geändert hat", "Ce qui a changé dans les API",
                     "Qué ha cambiado en las API", "APIの変更点"),
                   T("Version 3 of the API adds bulk endpoints and cursor pagination. Version 1 is switched off at the "
                     "end of the year.",
                     "Version 3 der API bringt Massen-Endpunkte und Cursor-Paginierung. Version 1 wird zum Jahresende "
                     "abgeschaltet.",
                     "La version 3 de l'API ajoute des points d'accès groupés et la pagination par curseur. La version 1 "
                     "est arrêtée à la fin de l'année.",
                     "La versión 3 de la API añade endpoints masivos y paginación por cursor. La versión 1 se apaga a "
                     "final de año.",
                     "APIバージョン3では一括処理エンドポイントとカーソル方式のページングが追加されました。"
                     "バージョン1は年末に停止されます。"), minutes=20),
        LessonSpec(T("New regions and identity options", "Neue Regionen und Identitätsoptionen",
                     "Nouvelles régions et options d'identité", "Nuevas regiones y opciones de identidad",
                     "新リージョンとIDオプション"),
                   T("Two new regions opened this year, and customers can now require phishing-resistant sign-in for "
                     "administrators.",
                     "In diesem Jahr wurden zwei neue Regionen eröffnet, und Kunden können für Administratoren jetzt "
                     "eine phishing-resistente Anmeldung verlangen.",
                     "Deux nouvelles régions ont ouvert cette année, et les clients peuvent désormais exiger une "
                     "connexion résistante à l'hameçonnage pour les administrateurs.",
                     "Este año se han abierto dos regiones nuevas, y los clientes ya pueden exigir un inicio de sesión "
                     "resistente al phishing para los administradores.",
                     "今年は新たに2つのリージョンが開設され、管理者にフィッシング耐性のあるサインインを必須にできるように"
                     "なりました。"), minutes=20),
    ),
    (
        QuestionSpec(many(T("What does version 3 of the API add?", "Was bringt Version 3 der API?",
                            "Qu'apporte la version 3 de l'API ?", "¿Qué añade la versión 3 de la API?",
                            "APIバージョン3で追加されたものは？")),
                     (yes("Bulk endpoints", "Massen-Endpunkte", "Des points d'accès groupés", "Endpoints masivos",
                          "一括処理エンドポイント"),
                      yes("Cursor pagination", "Cursor-Paginierung", "La pagination par curseur", "Paginación por cursor",
                          "カーソル方式のページング"),
                      no("XML only", "Nur XML", "Uniquement du XML", "Solo XML", "XMLのみ"))),
        QuestionSpec(T("When is version 1 of the API switched off?", "Wann wird Version 1 der API abgeschaltet?",
                       "Quand la version 1 de l'API est-elle arrêtée ?", "¿Cuándo se apaga la versión 1 de la API?",
                       "APIバージョン1はいつ停止されますか？"),
                     (yes("At the end of the year", "Zum Jahresende", "À la fin de l'année", "A final de año", "年末"),
                      no("Never", "Nie", "Jamais", "Nunca", "停止されない"))),
        QuestionSpec(T("What can customers now require for administrators?",
                       "Was können Kunden jetzt für Administratoren verlangen?",
                       "Que peuvent désormais exiger les clients pour les administrateurs ?",
                       "¿Qué pueden exigir ahora los clientes para los administradores?",
                       "お客様が管理者に必須にできるようになったものは？"),
                     (yes("Phishing-resistant sign-in", "Eine phishing-resistente Anmeldung",
                          "Une connexion résistante à l'hameçonnage", "Un inicio de sesión resistente al phishing",
                          "フィッシング耐性のあるサインイン"),
                      no("A shared admin account", "Ein gemeinsames Administratorkonto", "Un compte administrateur partagé",
                         "Una cuenta de administrador compartida", "共有の管理者アカウント"))),
    ),
    partner_types=(SI, ISV, MSP, RESELLER),
)

SECURITY = CourseSpec(
    "security-essentials",
    T("Security and compliance essentials", "Grundlagen Sicherheit und Compliance",
      "L'essentiel de la sécurité et de la conformité", "Fundamentos de seguridad y cumplimiento",
      "セキュリティとコンプライアンスの基本"),
    T("How the platform protects customer data and which certifications it holds.",
      "Wie die Plattform Kundendaten schützt und welche Zertifizierungen sie besitzt.",
      "Comment la plateforme protège les données des clients et quelles certifications elle détient.",
      "Cómo protege la plataforma los datos de los clientes y qué certificaciones tiene.",
      "プラットフォームが顧客データを保護する仕組みと、取得している認証。"),
    30,
    (
        LessonSpec(T("Encryption and data residency", "Verschlüsselung und Datenresidenz",
                     "Chiffrement et localisation des données", "Cifrado y residencia de datos", "暗号化とデータの所在地"),
                   T("Data is encrypted in transit and at rest, and stays in the region the customer chose.",
                     "Daten werden bei der Übertragung und im Ruhezustand verschlüsselt und bleiben in der Region, die "
                     "der Kunde gewählt hat.",
                     "Les données sont chiffrées en transit et au repos, et restent dans la région choisie par le client.",
                     "Los datos se cifran en tránsito y en reposo, y permanecen en la región que eligió el cliente.",
                     "データは転送時も保存時も暗号化され、お客様が選んだリージョン内に保管されます。"), minutes=15),
        LessonSpec(T("Audits and certifications", "Audits und Zertifizierungen", "Audits et certifications",
                     "Auditorías y certificaciones", "監査と認証"),
                   T("The platform is audited every year against ISO 27001 and SOC 2. Customers download the reports "
                     "from the trust centre.",
                     "Die Plattform wird jährlich nach ISO 27001 und SOC 2 geprüft. Kunden laden die Berichte im Trust "
                     "Center herunter.",
                     "La plateforme est auditée chaque année selon ISO 27001 et SOC 2. Les clients téléchargent les "
                     "rapports depuis le centre de confiance.",
                     "La plataforma se audita cada año según ISO 27001 y SOC 2. Los clientes descargan los informes "
                     "desde el centro de confianza.",
                     "プラットフォームは毎年ISO 27001とSOC 2に基づく監査を受けています。"
                     "お客様はトラストセンターから報告書をダウンロードできます。"), minutes=15),
    ),
    (
        QuestionSpec(many(T("Which standards is the platform audited against?",
                            "Nach welchen Standards wird die Plattform geprüft?",
                            "Selon quelles normes la plateforme est-elle auditée ?",
                            "¿Según qué normas se audita la plataforma?", "プラットフォームが監査を受けている基準は？")),
                     ((T.same("ISO 27001"), True), (T.same("SOC 2"), True), (T.same("PCI Level 0"), False))),
        QuestionSpec(T("Where does customer data stay?", "Wo bleiben die Kundendaten?",
                       "Où restent les données des clients ?", "¿Dónde permanecen los datos de los clientes?",
                       "顧客データはどこに保管されますか？"),
                     (yes("In the region the customer chose", "In der Region, die der Kunde gewählt hat",
                          "Dans la région choisie par le client", "En la región que eligió el cliente",
                          "お客様が選んだリージョン"),
                      no("Wherever storage is cheapest", "Dort, wo Speicher am günstigsten ist",
                         "Là où le stockage coûte le moins cher", "Donde el almacenamiento sea más barato",
                         "最も安価なストレージの場所"))),
        QuestionSpec(T("Where do customers get the audit reports?", "Wo erhalten Kunden die Prüfberichte?",
                       "Où les clients obtiennent-ils les rapports d'audit ?",
                       "¿Dónde obtienen los clientes los informes de auditoría?",
                       "お客様は監査報告書をどこで入手しますか？"),
                     (yes("From the trust centre", "Im Trust Center", "Dans le centre de confiance",
                          "En el centro de confianza", "トラストセンター"),
                      no("By fax from the vendor", "Per Fax vom Hersteller", "Par fax auprès de l'éditeur",
                         "Por fax del fabricante", "ベンダーからのFAX"))),
    ),
)
