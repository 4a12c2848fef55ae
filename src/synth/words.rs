//! Word lists for synthetic people, companies and places. All invented combinations; any
//! resemblance to real persons is chance.

pub const FIRST_FR: &[&str] = &[
    "Karim",
    "Sofiane",
    "Mehdi",
    "Julien",
    "Nicolas",
    "Thomas",
    "Yanis",
    "Nabil",
    "Sébastien",
    "Lucas",
    "Camille",
    "Inès",
    "Sarah",
    "Léa",
    "Nadia",
    "Samira",
    "Claire",
    "Manon",
    "Yasmine",
    "Laetitia",
];
pub const LAST_FR: &[&str] = &[
    "Benali",
    "Ferrand",
    "Mazouz",
    "Giraud",
    "Costa",
    "Delacroix",
    "Hamidi",
    "Roux",
    "Santoni",
    "Bianchi",
    "Lefebvre",
    "Chaouch",
    "Marchetti",
    "Fabre",
    "Ouali",
    "Peretti",
    "Garnier",
    "Leca",
    "Brahimi",
    "Vidal",
];
pub const FIRST_NL: &[&str] =
    &["Daan", "Jeroen", "Ricardo", "Mohammed", "Sven", "Ruben", "Kevin", "Anouk", "Fleur", "Sanne"];
pub const LAST_NL: &[&str] =
    &["de Vries", "van Dijk", "Bakker", "Jansen", "El Amrani", "Visser", "Smit", "Kok", "Mulder", "Boukhari"];
pub const FIRST_EC: &[&str] =
    &["Andrés", "Luis", "Jorge", "Carlos", "Wilson", "Byron", "María", "Gabriela", "Verónica", "Fernando"];
pub const LAST_EC: &[&str] =
    &["Zambrano", "Macías", "Vera", "Cedeño", "Mendoza", "Alcívar", "Intriago", "Loor", "Moreira", "Pincay"];
pub const COMPANY_WORDS: &[&str] = &[
    "Atlantic",
    "Mistral",
    "Banana",
    "Fresh",
    "Andes",
    "Rhône",
    "Delta",
    "Costa",
    "Horizon",
    "Golden",
    "Tropical",
    "Phocée",
    "Maas",
    "Pacific",
    "Levant",
    "Calanque",
    "Galápagos",
    "Noord",
    "Sirocco",
    "Cargo",
];
pub const COMPANY_TRADES: &[(&str, &str)] = &[
    ("Fruits", "Import-export of fresh fruit"),
    ("Logistics", "Freight forwarding"),
    ("Shipping", "Container shipping agency"),
    ("Trading", "General trading"),
    ("Transports", "Road haulage"),
    ("Holding", "Holding company"),
    ("Motors", "Used-car dealer"),
    ("Immobilier", "Real estate"),
    ("Consulting", "Business consulting"),
    ("Exotic Foods", "Food wholesale"),
];
pub const LEGAL_FORMS: &[(&str, &str)] =
    &[("fr", "SARL"), ("fr", "SAS"), ("nl", "B.V."), ("ec", "S.A."), ("be", "BVBA"), ("es", "S.L.")];

/// (city, country, streets)
pub const CITIES: &[(&str, &str, &[&str])] = &[
    (
        "Marseille",
        "fr",
        &[
            "Rue de la République",
            "Boulevard National",
            "Chemin du Littoral",
            "Rue Félix Pyat",
            "Avenue de Saint-Antoine",
            "Quai du Lazaret",
        ],
    ),
    (
        "Rotterdam",
        "nl",
        &["Waalhaven Oostzijde", "Maasboulevard", "Pleinweg", "Coolsingel", "Katendrechtse Lagedijk"],
    ),
    (
        "Guayaquil",
        "ec",
        &["Avenida 9 de Octubre", "Calle Panamá", "Avenida de las Américas", "Malecón Simón Bolívar"],
    ),
    ("Antwerp", "be", &["Noorderlaan", "Kaai 730", "Italiëlei", "Leopold de Waelplaats"]),
    ("Algeciras", "es", &["Avenida Virgen del Carmen", "Calle Regino Martínez"]),
    ("Le Havre", "fr", &["Quai de Southampton", "Boulevard de Strasbourg"]),
];
pub const CAR_MODELS: &[&str] = &[
    "Audi RS6",
    "Mercedes Vito",
    "Renault Master",
    "BMW X5",
    "Peugeot 308",
    "Volkswagen Golf GTI",
    "Range Rover Sport",
    "Citroën Jumper",
    "Toyota Land Cruiser",
    "Fiat Ducato",
];
pub const BANKS: &[(&str, &str, usize)] = &[
    ("fr", "Banque Populaire Méditerranée", 23),
    ("fr", "Crédit Agricole Alpes Provence", 23),
    ("nl", "ABN AMRO", 14),
    ("nl", "ING Bank", 14),
    ("be", "KBC", 12),
    ("es", "CaixaBank", 20),
];
pub const PROVIDERS: &[(&str, &str)] = &[
    ("fr", "Orange"),
    ("fr", "SFR"),
    ("fr", "Free Mobile"),
    ("nl", "KPN"),
    ("nl", "Lebara"),
    ("ec", "Claro"),
    ("ec", "Movistar"),
];
pub const SOURCES: &[&str] = &[
    "PJ Marseille wiretap W-2024-118",
    "PJ Marseille wiretap W-2024-131",
    "DGSI HUMINT report 24/0771",
    "DGSE liaison note 2024-Q3",
    "TRACFIN suspicious transaction report 2024-5521",
    "Douane Le Havre container inspection",
    "Politie Rotterdam request RTM-24-0093",
    "Europol SIENA message 1180662",
    "Policía Nacional Ecuador cable 2024-411",
    "Open source: company registry",
    "Open source: social media",
    "Informant MR-17",
    "Informant MR-22",
    "Vehicle tracking beacon B-06",
    "Phone seizure extraction (Cellebrite) 2024-07",
];
pub const GRADES: &[&str] =
    &["A1", "A2", "B1", "B2", "B2", "B3", "C2", "C3", "D4", "F6", "EU:B2", "EU:A1", "UK:2B"];
pub const CURRENCIES: &[&str] = &["EUR", "EUR", "EUR", "USD"];
