"""Demo learning paths, certifications and the asset library (files per language, links, two co-brandable
one-pagers and one unpublished draft)."""

from .texts import ADMIN, ISV, MSP, REFERRAL, RESELLER, SI, VIDEO_HOST, AssetSpec, CertificationSpec, PathSpec, T

PATHS = (
    PathSpec("sales-path",
             T("Sales path for resellers and MSPs", "Vertriebspfad für Reseller und MSPs",
               "Parcours commercial pour revendeurs et MSP", "Itinerario comercial para distribuidores y MSP",
               "リセラー・MSP向け営業パス"),
             T("From the platform basics to your first registered deal.",
               "Von den Plattform-Grundlagen bis zum ersten registrierten Deal.",
               "Des bases de la plateforme à votre première affaire enregistrée.",
               "De los fundamentos de la plataforma a su primer acuerdo registrado.",
               "プラットフォームの基礎から最初の案件登録まで。"),
             ("platform-fundamentals", "selling-the-platform", "security-essentials"), partner_types=(RESELLER, MSP)),
    PathSpec("technical-path",
             T("Technical path for integrators", "Technischer Pfad für Integratoren",
               "Parcours technique pour les intégrateurs", "Itinerario técnico para integradores",
               "インテグレーター向け技術パス"),
             T("Everything an implementation team needs for the Certified Technical Specialist.",
               "Alles, was ein Implementierungsteam für den Certified Technical Specialist braucht.",
               "Tout ce dont une équipe de mise en œuvre a besoin pour la certification Certified Technical Specialist.",
               "Todo lo que un equipo de implantación necesita para la certificación Certified Technical Specialist.",
               "実装チームがCertified Technical Specialistの取得に必要なすべて。"),
             ("platform-fundamentals", "technical-deep-dive", "security-essentials"), partner_types=(SI, ISV, MSP)),
    PathSpec("referral-path",
             T("Referral partner path", "Pfad für Empfehlungspartner", "Parcours des apporteurs d'affaires",
               "Itinerario para socios de referencia", "紹介パートナー向けパス"),
             T("Start referring in an afternoon.", "An einem Nachmittag startklar für Empfehlungen.",
               "Prêt à recommander en un après-midi.", "Listo para recomendar en una tarde.",
               "半日で紹介を始められます。"),
             ("referral-quick-start", "platform-fundamentals"), partner_types=(REFERRAL,)),
    PathSpec("admin-path",
             T("Partner admin path", "Pfad für Partner-Admins", "Parcours des administrateurs partenaires",
               "Itinerario para administradores de socios", "パートナー管理者向けパス"),
             T("Set up your team, watch your tier and keep certifications current.",
               "Team einrichten, Stufe im Blick behalten und Zertifizierungen aktuell halten.",
               "Configurez votre équipe, suivez votre niveau et gardez vos certifications à jour.",
               "Configure su equipo, siga su nivel y mantenga sus certificaciones al día.",
               "チームを整え、ティアを確認し、認定資格を最新に保ちます。"),
             ("partner-admin-essentials", "platform-fundamentals"), roles=(ADMIN,)),
)

SALES_CERT, TECHNICAL_CERT, MSP_CERT = "certified-sales-professional", "certified-technical-specialist", \
    "msp-operations-certified"

CERTIFICATIONS = (
    CertificationSpec(SALES_CERT,
                      T("Certified Sales Professional", "Zertifizierter Vertriebsprofi",
                        "Professionnel de la vente certifié", "Profesional de ventas certificado",
                        "認定セールスプロフェッショナル"),
                      T("For sales people who qualify, position and register deals.",
                        "Für Vertriebsmitarbeitende, die Deals qualifizieren, positionieren und registrieren.",
                        "Pour les commerciaux qui qualifient, positionnent et enregistrent les affaires.",
                        "Para comerciales que califican, posicionan y registran acuerdos.",
                        "案件を見極め、提案し、登録する営業担当者向け。"),
                      ("platform-fundamentals", "selling-the-platform"), 24),
    CertificationSpec(TECHNICAL_CERT,
                      T("Certified Technical Specialist", "Zertifizierter technischer Spezialist",
                        "Spécialiste technique certifié", "Especialista técnico certificado",
                        "認定テクニカルスペシャリスト"),
                      T("For engineers who design, integrate and migrate customer environments. Renewed with the "
                        "yearly renewal course.",
                        "Für Technikerinnen und Techniker, die Kundenumgebungen entwerfen, integrieren und migrieren. "
                        "Verlängert mit dem jährlichen Auffrischungskurs.",
                        "Pour les ingénieurs qui conçoivent, intègrent et migrent les environnements clients. "
                        "Renouvelée avec le cours de renouvellement annuel.",
                        "Para ingenieros que diseñan, integran y migran entornos de clientes. Se renueva con el curso "
                        "de renovación anual.",
                        "顧客環境の設計・統合・移行を担うエンジニア向け。年次の更新コースで更新します。"),
                      ("platform-fundamentals", "technical-deep-dive"), 24, renewal_course="technical-renewal"),
    CertificationSpec(MSP_CERT,
                      T("MSP Operations Certified", "Zertifiziert für MSP-Betrieb", "Certifié Opérations MSP",
                        "Certificado en operaciones MSP", "MSP運用認定"),
                      T("For service teams that run customers' tenants day to day.",
                        "Für Serviceteams, die die Mandanten von Kunden im Alltag betreiben.",
                        "Pour les équipes de service qui exploitent au quotidien les locataires des clients.",
                        "Para equipos de servicio que operan a diario los inquilinos de los clientes.",
                        "顧客のテナントを日々運用するサービスチーム向け。"),
                      ("platform-fundamentals", "msp-operations"), 12),
)

ONE_PAGER_EN = ("One console for cloud workloads, security and analytics.\n"
                "Start with Cloud Core and add modules as you grow: Cloud Analytics, Secure Edge Gateway, Backup Vault.\n"
                "Enterprise edition: single sign-on, audit logs and premium support.\n"
                "Ask us for a free workshop to plan your first workloads.")
ONE_PAGER_DE = ("Eine Konsole für Cloud-Workloads, Sicherheit und Analysen.\n"
                "Starten Sie mit Cloud Core und ergänzen Sie Module, wenn Sie wachsen: Cloud Analytics, Secure Edge "
                "Gateway, Backup Vault.\n"
                "Enterprise-Edition: Single Sign-on, Audit-Logs und Premium-Support.\n"
                "Fragen Sie uns nach einem kostenlosen Workshop zur Planung Ihrer ersten Workloads.")
OVERVIEW = ("Platform overview", "Cloud Core, Cloud Analytics, Secure Edge Gateway, Backup Vault",
            "Licensed per workload per year; Standard and Enterprise editions.")

ASSETS = (
    AssetSpec("Platform overview", "en", "A short overview for first customer meetings.", ("brochure", "platform"),
              pdf=("platform-overview-en.pdf", OVERVIEW), one_pager=ONE_PAGER_EN),
    AssetSpec("Plattform-Überblick", "de", "Ein kurzer Überblick für erste Kundentermine.", ("brochure", "platform"),
              pdf=("plattform-ueberblick-de.pdf", ("Plattform-Ueberblick", *OVERVIEW[1:])), one_pager=ONE_PAGER_DE),
    AssetSpec("Présentation de la plateforme", "fr", "Une présentation courte pour les premiers rendez-vous clients.",
              ("brochure", "platform"), pdf=("presentation-plateforme-fr.pdf", ("Presentation de la plateforme",
                                                                                *OVERVIEW[1:]))),
    AssetSpec("Presentación de la plataforma", "es", "Una presentación breve para las primeras reuniones con clientes.",
              ("brochure", "platform"), pdf=("presentacion-plataforma-es.pdf", ("Presentacion de la plataforma",
                                                                                *OVERVIEW[1:]))),
    AssetSpec("プラットフォーム概要", "ja", "初回の顧客訪問向けの簡潔な概要資料です。", ("brochure", "platform"),
              pdf=("platform-overview-ja.pdf", ("Platform overview (Japanese edition)", *OVERVIEW[1:]))),
    AssetSpec("Competitive battlecard", "en", "How we win against the three usual alternatives.", ("sales", "battlecard"),
              pdf=("battlecard-en.pdf", ("Competitive battlecard", "Lead with one console and regional data residency.",
                                         "Show the cost of the tools it replaces.")),
              partner_types=(RESELLER, MSP, SI)),
    AssetSpec("Wettbewerbs-Battlecard", "de", "So gewinnen wir gegen die drei üblichen Alternativen.",
              ("sales", "battlecard"), pdf=("battlecard-de.pdf", ("Wettbewerbs-Battlecard",
                                                                  "Eine Konsole und Datenresidenz in der Region.")),
              partner_types=(RESELLER, MSP, SI)),
    AssetSpec("Integration reference architecture", "en", "Diagrams and checklists for implementation projects.",
              ("technical", "architecture"), pdf=("reference-architecture-en.pdf", (
                  "Integration reference architecture", "Control plane, regional data planes, identity provider.",
                  "Plan network connectivity before the first workload moves.")),
              partner_types=(SI, ISV, MSP)),
    AssetSpec("Referral programme at a glance", "en", "Who to refer and how referral fees are paid.", ("referral",),
              pdf=("referral-programme-en.pdf", ("Referral programme at a glance",
                                                 "Refer companies with more than fifty employees.",
                                                 "Fees are paid once the first invoice is settled.")),
              partner_types=(REFERRAL,)),
    AssetSpec("Programa de referencia en resumen", "es", "A quién recomendar y cómo se pagan las comisiones.",
              ("referral",), pdf=("programa-referencia-es.pdf", ("Programa de referencia en resumen",
                                                                  "Recomiende empresas de mas de cincuenta empleados.")),
              partner_types=(REFERRAL,)),
    AssetSpec("Product tour video", "en", "A twelve-minute tour of the console.", ("video", "platform"),
              url=f"{VIDEO_HOST}/platform-tour"),
    AssetSpec("Vídeo: recorrido por la plataforma", "es", "Un recorrido de doce minutos por la consola.",
              ("video", "platform"), url=f"{VIDEO_HOST}/platform-tour?lang=es"),
    AssetSpec("製品紹介動画", "ja", "コンソールを12分で紹介する動画です。", ("video", "platform"),
              url=f"{VIDEO_HOST}/platform-tour?lang=ja"),
    AssetSpec("Pricing calculator", "en", "Estimate a customer's yearly licence cost.", ("sales", "pricing"),
              url="https://pricing.example.com/calculator", partner_types=(RESELLER, MSP, SI, ISV)),
    AssetSpec("Logo and brand guidelines", "en", "Our logo, colours and how partners may use them.",
              ("brand", "marketing"), url="https://brand.example.com/partners", roles=(ADMIN,)),
    AssetSpec("Roadmap preview (draft)", "en", "Not published yet: next year's roadmap for partners.", ("roadmap",),
              pdf=("roadmap-preview-en.pdf", ("Roadmap preview", "Draft - not for customers.")), published=False),
)
