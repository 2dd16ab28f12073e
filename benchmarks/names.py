"""Word lists for the demo portfolio: countries, person names, company name parts and job titles.

Everything here is invented for the demo. Company names are combined from these parts, so any likeness to
a real company is accidental.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Country:
    code: str
    name: str  # as the country names itself, used in subsidiary names ("Nordmark DIY Deutschland")
    adjective: str  # English, used for national bodies ("German Pharmacy Federation")
    sales_region: str
    currency: str
    legal_form: str  # of a local company
    holding_form: str  # of a group's parent company
    payment_terms: tuple[int, ...]
    dial_code: str
    web_domain: str
    time_zone: str
    names: str  # key into PERSON_NAMES
    cities: tuple[str, ...]


COUNTRIES = (
    Country("DE", "Deutschland", "German", "DACH", "EUR", "GmbH", "SE", (30, 30, 45), "+49", "de", "Europe/Berlin",
            "de", ("Berlin", "Hamburg", "München", "Köln", "Frankfurt", "Stuttgart", "Düsseldorf", "Leipzig")),
    Country("AT", "Österreich", "Austrian", "DACH", "EUR", "GmbH", "AG", (30, 45), "+43", "at", "Europe/Vienna",
            "de", ("Wien", "Graz", "Linz", "Salzburg", "Innsbruck")),
    Country("CH", "Schweiz", "Swiss", "DACH", "CHF", "AG", "Holding AG", (30,), "+41", "ch", "Europe/Zurich",
            "de", ("Zürich", "Basel", "Bern", "Luzern", "St. Gallen")),
    Country("FR", "France", "French", "Western Europe", "EUR", "SAS", "SA", (45, 60), "+33", "fr", "Europe/Paris",
            "fr", ("Paris", "Lyon", "Marseille", "Lille", "Toulouse", "Bordeaux", "Nantes")),
    Country("BE", "België", "Belgian", "Benelux", "EUR", "NV", "NV", (45, 60), "+32", "be", "Europe/Brussels",
            "nl", ("Brussel", "Antwerpen", "Gent", "Leuven", "Brugge")),
    Country("NL", "Nederland", "Dutch", "Benelux", "EUR", "B.V.", "N.V.", (30, 45), "+31", "nl",
            "Europe/Amsterdam", "nl", ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Groningen")),
    Country("GB", "UK", "British", "UK & Ireland", "GBP", "Ltd", "plc", (30, 45), "+44", "co.uk", "Europe/London",
            "en", ("London", "Manchester", "Birmingham", "Leeds", "Glasgow", "Bristol", "Cardiff")),
    Country("IE", "Ireland", "Irish", "UK & Ireland", "EUR", "Ltd", "plc", (30, 45), "+353", "ie", "Europe/Dublin",
            "en", ("Dublin", "Cork", "Galway", "Limerick")),
    Country("ES", "España", "Spanish", "Southern Europe", "EUR", "S.L.", "S.A.", (60, 90), "+34", "es",
            "Europe/Madrid", "es", ("Madrid", "Barcelona", "Valencia", "Sevilla", "Bilbao", "Zaragoza")),
    Country("IT", "Italia", "Italian", "Southern Europe", "EUR", "S.r.l.", "S.p.A.", (60, 90), "+39", "it",
            "Europe/Rome", "it", ("Milano", "Roma", "Torino", "Bologna", "Napoli", "Verona")),
    Country("PT", "Portugal", "Portuguese", "Southern Europe", "EUR", "Lda.", "S.A.", (60, 90), "+351", "pt",
            "Europe/Lisbon", "pt", ("Lisboa", "Porto", "Braga", "Coimbra")),
    Country("SE", "Sverige", "Swedish", "Nordics", "SEK", "AB", "AB (publ)", (30,), "+46", "se", "Europe/Stockholm",
            "nordic", ("Stockholm", "Göteborg", "Malmö", "Uppsala")),
    Country("DK", "Danmark", "Danish", "Nordics", "DKK", "A/S", "A/S", (30,), "+45", "dk", "Europe/Copenhagen",
            "nordic", ("København", "Aarhus", "Odense", "Aalborg")),
    Country("NO", "Norge", "Norwegian", "Nordics", "NOK", "AS", "ASA", (30,), "+47", "no", "Europe/Oslo",
            "nordic", ("Oslo", "Bergen", "Trondheim", "Stavanger")),
    Country("FI", "Suomi", "Finnish", "Nordics", "EUR", "Oy", "Oyj", (30,), "+358", "fi", "Europe/Helsinki",
            "fi", ("Helsinki", "Tampere", "Turku", "Oulu")),
    Country("PL", "Polska", "Polish", "Central & Eastern Europe", "PLN", "Sp. z o.o.", "S.A.", (30, 45), "+48",
            "pl", "Europe/Warsaw", "pl", ("Warszawa", "Kraków", "Wrocław", "Poznań", "Gdańsk")),
    Country("CZ", "Česko", "Czech", "Central & Eastern Europe", "CZK", "s.r.o.", "a.s.", (30, 45), "+420", "cz",
            "Europe/Prague", "cs", ("Praha", "Brno", "Ostrava", "Plzeň")),
    Country("HU", "Magyarország", "Hungarian", "Central & Eastern Europe", "HUF", "Kft.", "Nyrt.", (30, 45), "+36",
            "hu", "Europe/Budapest", "hu", ("Budapest", "Debrecen", "Szeged", "Győr")),
    Country("US", "USA", "American", "North America", "USD", "Inc.", "Inc.", (30, 45, 60), "+1", "com",
            "America/Chicago", "en", ("Chicago", "Atlanta", "Dallas", "Columbus", "Denver", "Boston")),
    Country("CA", "Canada", "Canadian", "North America", "CAD", "Inc.", "Ltd.", (30, 45), "+1", "ca",
            "America/Toronto", "en", ("Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa")),
)  # fmt: skip

# How often a country is an account's home: the supplier sells mostly in Europe, most of all at home.
COUNTRY_WEIGHTS = {
    "DE": 18, "AT": 4, "CH": 4, "FR": 9, "BE": 3, "NL": 5, "GB": 8, "IE": 2, "ES": 6, "IT": 7, "PT": 2,
    "SE": 3, "DK": 2, "NO": 2, "FI": 2, "PL": 5, "CZ": 3, "HU": 2, "US": 6, "CA": 2,
}  # fmt: skip

# First names by gender; last names (a second list when the female form differs, same order).
PERSON_NAMES = {
    "de": {
        "female": ["Anna", "Lena", "Julia", "Katrin", "Sabine", "Miriam", "Sophie", "Claudia", "Franziska",
                   "Annika", "Birgit", "Carola", "Nadine", "Theresa", "Ute", "Vanessa"],
        "male": ["Jonas", "Lukas", "Felix", "Matthias", "Stefan", "Tobias", "Andreas", "Henrik", "Florian",
                 "Jürgen", "Markus", "Sebastian", "Thorsten", "Uwe", "Dominik", "Benedikt"],
        "last": ["Becker", "Hoffmann", "Schäfer", "Keller", "Wagner", "Neumann", "Brandt", "Krüger", "Vogel",
                 "Hartmann", "Schmid", "Lehmann", "Fischer", "Baumann", "Wolff", "Richter", "Hofmann", "Zimmermann",
                 "Kraus", "Lorenz", "Seidel", "Franke", "Engel", "Huber", "Graf", "Brunner", "Weber", "Roth"],
    },
    "fr": {
        "female": ["Camille", "Élodie", "Claire", "Manon", "Hélène", "Sophie", "Amandine", "Céline", "Margaux",
                   "Juliette", "Nathalie", "Aurélie"],
        "male": ["Julien", "Mathieu", "Nicolas", "Thomas", "Antoine", "Lucas", "Guillaume", "Olivier", "Sébastien",
                 "Pierre", "Romain", "Étienne"],
        "last": ["Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent", "Girard", "Roux", "Fontaine",
                 "Chevalier", "Mercier", "Blanc", "Garnier", "Faure", "Rousseau", "Lambert", "Bonnet", "Perrin"],
    },
    "nl": {
        "female": ["Sanne", "Lotte", "Femke", "Eva", "Anouk", "Marieke", "Inge", "Els", "Noor", "Lieve", "Fleur"],
        "male": ["Daan", "Bram", "Joost", "Pieter", "Ruben", "Maarten", "Wouter", "Koen", "Jeroen", "Thijs", "Stijn"],
        "last": ["de Vries", "Jansen", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
                 "Peeters", "Janssens", "Maes", "Willems", "Claes", "van den Berg", "Hendriks", "Dekker", "Vermeulen"],
    },
    "en": {
        "female": ["Emma", "Olivia", "Charlotte", "Grace", "Hannah", "Sarah", "Rachel", "Siobhan", "Priya", "Aisha",
                   "Megan", "Laura", "Chloe", "Jessica", "Fiona", "Maya"],
        "male": ["James", "Oliver", "Thomas", "Daniel", "Samuel", "Michael", "Aidan", "Connor", "Ravi", "Marcus",
                 "David", "Ethan", "Liam", "Nathan", "Owen", "Kwame"],
        "last": ["Smith", "Clarke", "Walsh", "Patel", "Taylor", "Hughes", "Murphy", "O'Brien", "Bennett", "Turner",
                 "Foster", "Reynolds", "Campbell", "Brooks", "Nguyen", "Garcia", "Okafor", "Kelly", "Mitchell",
                 "Harrison", "Shah", "Robinson", "Fletcher", "Doyle", "Chen", "Morgan", "Ellis", "Price"],
    },
    "es": {
        "female": ["Lucía", "María", "Carmen", "Elena", "Marta", "Laura", "Paula", "Cristina", "Nerea", "Ainhoa"],
        "male": ["Pablo", "Javier", "Alejandro", "Sergio", "Raúl", "Diego", "Álvaro", "Jorge", "Iñaki", "Andrés"],
        "last": ["García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Torres", "Domínguez",
                 "Vázquez", "Ruiz", "Moreno", "Jiménez", "Iglesias", "Castro", "Ortega"],
    },
    "it": {
        "female": ["Giulia", "Chiara", "Francesca", "Martina", "Paola", "Valentina", "Elisa", "Federica", "Silvia"],
        "male": ["Luca", "Marco", "Alessandro", "Matteo", "Davide", "Stefano", "Andrea", "Lorenzo", "Giorgio"],
        "last": ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino",
                 "Greco", "Conti", "Gallo", "Costa", "Fontana", "Moretti", "Lombardi"],
    },
    "pt": {
        "female": ["Inês", "Beatriz", "Mariana", "Ana", "Catarina", "Joana", "Rita", "Sofia"],
        "male": ["João", "Tiago", "Rui", "Pedro", "Miguel", "Duarte", "Nuno", "Gonçalo"],
        "last": ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Almeida", "Carvalho",
                 "Sousa", "Marques", "Ribeiro"],
    },
    "nordic": {
        "female": ["Astrid", "Ingrid", "Freja", "Sofia", "Maja", "Karin", "Sigrid", "Linnea", "Ida", "Mette"],
        "male": ["Erik", "Lars", "Anders", "Mikkel", "Magnus", "Oskar", "Henrik", "Nils", "Rasmus", "Johan"],
        "last": ["Lindqvist", "Andersson", "Nilsson", "Johansson", "Larsen", "Nielsen", "Hansen", "Berg", "Dahl",
                 "Lund", "Holm", "Eriksson", "Jensen", "Pedersen", "Bakke", "Strand", "Sandberg", "Lindgren"],
    },
    "fi": {
        "female": ["Aino", "Sanna", "Laura", "Minna", "Riikka", "Heidi", "Kaisa", "Elina"],
        "male": ["Mikko", "Juha", "Antti", "Ville", "Jussi", "Timo", "Lauri", "Eero"],
        "last": ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Heikkinen", "Laine", "Koskinen", "Järvinen",
                 "Lehtonen", "Salo"],
    },
    "pl": {
        "female": ["Agnieszka", "Katarzyna", "Magdalena", "Anna", "Joanna", "Monika", "Ewa", "Zofia", "Aleksandra"],
        "male": ["Piotr", "Tomasz", "Paweł", "Krzysztof", "Marcin", "Michał", "Jakub", "Grzegorz", "Łukasz"],
        "last": ["Kowalski", "Wiśniewski", "Lewandowski", "Zieliński", "Szymański", "Dąbrowski", "Nowak", "Wójcik",
                 "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król", "Pawlak"],
        "last_female": ["Kowalska", "Wiśniewska", "Lewandowska", "Zielińska", "Szymańska", "Dąbrowska", "Nowak",
                        "Wójcik", "Mazur", "Krawczyk", "Kaczmarek", "Zając", "Król", "Pawlak"],
    },
    "cs": {
        "female": ["Petra", "Lucie", "Tereza", "Eva", "Jana", "Kateřina", "Markéta", "Veronika"],
        "male": ["Jan", "Petr", "Tomáš", "Martin", "Jakub", "Ondřej", "Lukáš", "Vojtěch"],
        "last": ["Novák", "Svoboda", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec", "Marek"],
        "last_female": ["Nováková", "Svobodová", "Dvořáková", "Černá", "Procházková", "Kučerová", "Veselá",
                        "Horáková", "Němcová", "Marková"],
    },
    "hu": {
        "female": ["Eszter", "Katalin", "Zsófia", "Réka", "Judit", "Krisztina", "Orsolya", "Dóra"],
        "male": ["Gábor", "László", "Péter", "Balázs", "Zoltán", "Attila", "Tamás", "Bence"],
        "last": ["Nagy", "Kovács", "Tóth", "Szabó", "Horváth", "Varga", "Kiss", "Molnár", "Farkas", "Balogh"],
    },
}  # fmt: skip

# Brand names are combined from these: "Nord" + "mark", "Hart" + "well", "Silver" + "gate".
BRAND_HEADS = (
    "Ash", "Bright", "Brook", "Cedar", "Clear", "Crown", "Eden", "Elm", "Fair", "Fern", "Glen", "Gold", "Green",
    "Hart", "High", "Holm", "Iron", "King", "Lake", "Linden", "Maple", "Mill", "North", "Nord", "Oak", "Pine",
    "Red", "River", "Rose", "Silver", "Stone", "Sun", "Vale", "West", "Wil", "Wind", "Alder", "Birch", "Castle",
    "Heath", "Hazel", "Marsh", "Amber", "Blue", "Copper", "Falcon", "Harbor", "Juniper", "Kestrel", "Lynd",
)  # fmt: skip
BRAND_TAILS = (
    "mark", "well", "field", "wood", "brook", "gate", "haven", "ford", "dale", "stone", "bridge", "hurst", "mont",
    "berg", "by", "holm", "ley", "ton", "worth", "crest", "more", "wick", "stead", "view",
)  # fmt: skip
# Made-up online shop names: "Cart" + "ora", "Zen" + "ly".
WEB_HEADS = ("Cart", "Zen", "Parcel", "Box", "Click", "Shop", "Vel", "Kiva", "Bolt", "Nimbl", "Zap", "Lumo", "Quik")
WEB_TAILS = ("ora", "ly", "nest", "hub", "io", "ado", "ify", "oo", "ista", "ero")
SAINTS = (
    "Aurelia", "Benedict", "Clara", "Elisabeth", "Hedwig", "Vincent", "Martin", "Lucia", "Anna", "Joseph",
    "Brigid", "Olav", "Catherine", "George", "Luke", "Margaret", "Raphael", "Ursula", "Francis", "Agnes",
)  # fmt: skip
COMPASS = ("North", "South", "East", "West", "Central")

# Per channel: how a brand becomes a company name, and what such a company is.
CHANNEL_BRANDS = {
    "retail-chain": ("{root} Markets", "{root} Stores", "{root} Supermarkets", "{root} Foods", "{root} Retail",
                     "{root} Hypermarkets", "{surname} Warenhaus", "{surname} & Sons"),
    "pharmacy": ("{root} Pharmacies", "{root} Pharmacy", "{root} Apotheken", "{surname} Chemists",
                 "{root} Health & Beauty", "{root} Drugstores"),
    "e-commerce": ("{web}", "{web}", "{web} Marketplace", "{root} Online", "{root} Direct", "{web} Shop"),
    "diy": ("{root} DIY", "{root} Baumarkt", "{root} Home & Garden", "{root} Building Supplies",
            "{root} Bricolage", "{surname} Hardware"),
    "wholesale": ("{root} Wholesale", "{root} Distribution", "{surname} Trading", "{root} Cash & Carry",
                  "{root} Supply", "{surname} Großhandel"),
    "hospital": ("St. {saint} Hospital", "{root} Medical Centre", "{root} Clinics", "St. {saint} Kliniken",
                 "{root} Health"),
    "government": ("{root} Procurement Agency", "{root} Public Services"),
    "oem": ("{root} Industries", "{root} Automotive", "{root} Technik", "{root} Components", "{root} Electronics",
            "{root} Machinery", "{surname} Engineering"),
}  # fmt: skip
# What a group's parent company is called: "Nordmark DIY" -> "Nordmark DIY Group".
GROUP_SUFFIXES = {
    "retail-chain": ("Group", "Holding"),
    "pharmacy": ("Group", "Holding"),
    "e-commerce": ("Group",),
    "diy": ("Group", "Holding"),
    "wholesale": ("Group",),
    "hospital": ("Group", "Trust"),
    "government": ("",),
    "oem": ("Group", "Holding"),
}
# Channels whose groups grow abroad (region -> country); the others grow at home (region -> city).
INTERNATIONAL_CHANNELS = {"retail-chain", "pharmacy", "e-commerce", "diy", "wholesale", "oem"}

# National bodies, with no brand: public authorities and associations.
PUBLIC_BODIES = (
    "{adj} Ministry of Health", "{city} City Council", "{adj} Defence Procurement Agency",
    "{adj} Public Procurement Office", "{city} Regional Health Authority", "{city} Municipal Services",
    "{adj} Federal Procurement Centre", "{city} Fire & Rescue Service", "{city} University",
)  # fmt: skip
ASSOCIATIONS = {
    "pharmacy": ("{adj} Pharmacy Federation", "{adj} Association of Pharmacists", "{adj} Society of Pharmacology"),
    "hospital": ("{adj} Society of Hospital Pharmacists", "{adj} Society of Cardiology",
                 "{adj} Association of Nurses", "{adj} Society of Infection Control"),
    "retail-chain": ("{adj} Retail Federation", "{adj} Grocers' Association"),
    "diy": ("{adj} DIY Trade Association",),
    "wholesale": ("{adj} Wholesale Federation",),
    "oem": ("{adj} Association of Engineering Industries",),
    "e-commerce": ("{adj} E-commerce Association",),
}  # fmt: skip

CHANNEL_INDUSTRIES = {
    "retail-chain": ("Grocery retail", "Consumer electronics retail", "Department stores", "Discount retail"),
    "pharmacy": ("Pharmacy retail", "Health and beauty retail"),
    "e-commerce": ("Online retail", "Online marketplace"),
    "diy": ("Home improvement retail", "Garden centres"),
    "wholesale": ("Wholesale distribution", "Foodservice wholesale", "Medical supplies distribution"),
    "hospital": ("Hospitals and health care",),
    "government": ("Public administration", "Defence", "Public health"),
    "oem": ("Automotive", "Industrial machinery", "Electronics manufacturing", "Medical devices"),
}  # fmt: skip

# (text, smallest and largest "{n}"); "{country}" is the English country adjective.
CHANNEL_DESCRIPTIONS = {
    "retail-chain": (("Grocery chain with {n} stores.", 40, 900),
                     ("{country} retailer with {n} outlets and a strong own brand.", 20, 600),
                     ("Hypermarket operator, {n} sites, central listing twice a year.", 10, 150)),
    "pharmacy": (("Pharmacy chain with {n} branches.", 12, 400),
                 ("Health and beauty chain, {n} stores and a growing web shop.", 30, 700)),
    "e-commerce": (("Online retailer shipping {n},000 parcels a week.", 5, 400),
                   ("Marketplace with {n},000 active sellers.", 2, 60)),
    "diy": (("DIY and garden chain with {n} stores.", 15, 350), ("Builders' merchant with {n} depots.", 8, 120)),
    "wholesale": (("Wholesaler serving {n} independent retailers.", 300, 9000),
                  ("Distributor with {n} regional warehouses.", 2, 25)),
    "hospital": (("Hospital with {n} beds; central purchasing for its clinics.", 150, 1500),
                 ("Teaching hospital, {n} beds, member of a purchasing group.", 400, 2000)),
    "government": (("Central purchasing body; buys through framework agreements of up to {n} years.", 2, 4),
                   ("Public authority; tenders above the EU threshold, {n} tenders a year.", 3, 40)),
    "oem": (("Manufacturer with {n} plants; buys components on annual contracts.", 1, 30),
            ("{country} manufacturer, {n} production lines, strict quality audits.", 2, 60)),
}  # fmt: skip
ASSOCIATION_DESCRIPTIONS = (
    ("Professional body with {n} members; its guidelines shape what its members buy.", 500, 40000),
    ("{country} trade association of {n} member companies; runs the sector's annual congress.", 40, 900),
)  # fmt: skip

TAGS_BY_CHANNEL = {
    "retail-chain": ("Private label", "EDI connected", "Listing review", "Promotions heavy", "Joint business plan"),
    "pharmacy": ("Private label", "Category captain", "EDI connected", "Listing review"),
    "e-commerce": ("Drop shipping", "Marketplace seller", "Price sensitive", "EDI connected"),
    "diy": ("Seasonal", "Private label", "Promotions heavy", "Listing review"),
    "wholesale": ("Consignment stock", "Price sensitive", "Cross-border", "EDI connected"),
    "hospital": ("Framework agreement", "Tender", "Clinical trial site", "Group purchasing"),
    "government": ("Framework agreement", "Tender", "Security cleared"),
    "oem": ("Annual contract", "Quality audit", "Vendor managed inventory", "Cross-border"),
}  # fmt: skip
COMMON_TAGS = ("Sustainability programme", "At risk", "Growth market", "Pilot customer")


@dataclass(frozen=True)
class Function:
    """A department at a customer and the titles at each level of it."""

    department: str
    director: str
    managers: tuple[str, ...]
    staff: tuple[str, ...]


TRADE_FUNCTIONS = (
    Function("Purchasing", "Purchasing Director", ("Purchasing Manager", "Head of Buying"),
             ("Buyer", "Senior Buyer", "Assistant Buyer")),
    Function("Category Management", "Category Director", ("Category Manager", "Senior Category Manager"),
             ("Category Analyst", "Junior Category Manager")),
    Function("Supply Chain", "Supply Chain Director", ("Logistics Manager", "Replenishment Manager"),
             ("Demand Planner", "Logistics Coordinator")),
    Function("Marketing", "Marketing Director", ("Trade Marketing Manager", "Promotions Manager"),
             ("Marketing Specialist", "Promotions Coordinator")),
    Function("Finance", "Finance Director", ("Accounts Payable Manager", "Commercial Controller"),
             ("Accounts Payable Clerk", "Financial Analyst")),
    Function("Operations", "Operations Director", ("Store Operations Manager", "Regional Manager"),
             ("Store Manager", "Operations Specialist")),
)  # fmt: skip
HOSPITAL_FUNCTIONS = (
    Function("Procurement", "Head of Procurement", ("Procurement Manager", "Contract Manager"),
             ("Procurement Officer", "Buyer")),
    Function("Pharmacy", "Pharmacy Director", ("Chief Pharmacist", "Clinical Pharmacist Lead"),
             ("Pharmacist", "Pharmacy Technician")),
    Function("Medical", "Medical Director", ("Head of Cardiology", "Head of Surgery", "Head of Intensive Care"),
             ("Senior Physician", "Consultant")),
    Function("Nursing", "Director of Nursing", ("Ward Manager", "Nursing Quality Lead"), ("Charge Nurse",)),
    Function("Finance", "Finance Director", ("Financial Controller",), ("Accounts Payable Clerk",)),
)  # fmt: skip
PUBLIC_FUNCTIONS = (
    Function("Procurement", "Head of Procurement", ("Tender Manager", "Contract Manager"),
             ("Procurement Officer", "Tender Officer")),
    Function("Operations", "Director of Operations", ("Programme Manager", "Facilities Manager"),
             ("Project Officer", "Operations Officer")),
    Function("Finance", "Director of Finance", ("Budget Manager",), ("Finance Officer",)),
    Function("Legal", "Head of Legal", ("Contracts Lawyer",), ("Legal Assistant",)),
)  # fmt: skip
INDUSTRIAL_FUNCTIONS = (
    Function("Purchasing", "Head of Purchasing", ("Commodity Manager", "Strategic Buyer Lead"),
             ("Strategic Buyer", "Operational Buyer")),
    Function("Engineering", "Engineering Director", ("R&D Manager", "Product Engineering Manager"),
             ("Design Engineer", "Test Engineer")),
    Function("Quality", "Quality Director", ("Supplier Quality Manager",), ("Quality Engineer", "Auditor")),
    Function("Supply Chain", "Supply Chain Director", ("Materials Manager", "Logistics Manager"),
             ("Materials Planner", "Logistics Coordinator")),
    Function("Finance", "Finance Director", ("Plant Controller",), ("Financial Analyst",)),
)  # fmt: skip
CHANNEL_FUNCTIONS = {
    "retail-chain": TRADE_FUNCTIONS,
    "pharmacy": TRADE_FUNCTIONS,
    "e-commerce": TRADE_FUNCTIONS,
    "diy": TRADE_FUNCTIONS,
    "wholesale": TRADE_FUNCTIONS,
    "hospital": HOSPITAL_FUNCTIONS,
    "government": PUBLIC_FUNCTIONS,
    "oem": INDUSTRIAL_FUNCTIONS,
}
# The person at the top of a customer's org chart, by level in the account hierarchy.
TOP_TITLES = {
    "commercial": (
        ("Chief Executive Officer", "Chief Commercial Officer", "Chief Procurement Officer"),
        ("Regional Managing Director", "Regional President"),
        ("Managing Director", "Country Manager", "General Manager"),
    ),
    "hospital": (("Chief Executive",), ("Regional Director",), ("Hospital Director", "Managing Director")),
    "government": (("Director General",), ("Regional Director",), ("Head of Office",)),
}
TOP_DEPARTMENT = "Executive Board"


# --- the product catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductLine:
    """One kind of product: its variants and contents make the single products ("Wood Stain Oak 750 ml")."""

    noun: str
    variants: tuple[str, ...]  # may be empty
    contents: tuple[str, ...]  # smallest to largest; the price grows along them
    unit: str  # what the quantities count
    pack_sizes: tuple[int, ...]  # units per case: orders come in whole cases
    price: tuple[float, float]  # list price per unit of the smallest and the largest content


@dataclass(frozen=True)
class SubCategory:
    name: str
    season: str  # key into SEASONS
    lines: tuple[ProductLine, ...]


@dataclass(frozen=True)
class Category:
    name: str
    sku_prefix: str
    brands: tuple[str, ...]
    sub_categories: tuple[SubCategory, ...]


# Sales per calendar month (January first), relative to an average month.
SEASONS = {
    "flat": (1.0, 1.0, 1.05, 1.0, 1.0, 0.95, 0.9, 0.9, 1.05, 1.05, 1.05, 1.05),
    "winter": (1.8, 1.6, 1.2, 0.8, 0.6, 0.5, 0.5, 0.6, 0.9, 1.2, 1.5, 1.8),
    "spring": (0.35, 0.55, 1.3, 2.0, 2.1, 1.6, 1.1, 0.8, 0.7, 0.6, 0.45, 0.45),
    "summer": (0.45, 0.5, 0.7, 0.9, 1.3, 1.8, 2.0, 1.7, 1.0, 0.7, 0.5, 0.45),
    "pollen": (0.5, 0.7, 1.4, 1.9, 1.9, 1.5, 1.0, 0.8, 0.7, 0.6, 0.5, 0.5),
    "outdoor": (0.4, 0.5, 1.0, 1.6, 1.9, 1.8, 1.5, 1.2, 0.8, 0.5, 0.4, 0.4),
    "festive": (0.75, 0.7, 0.75, 0.85, 0.8, 0.8, 0.8, 0.85, 0.95, 1.15, 1.6, 2.0),
    "industrial": (1.0, 1.05, 1.1, 1.05, 1.0, 1.0, 0.85, 0.6, 1.05, 1.1, 1.05, 0.8),
}  # fmt: skip

_L = ProductLine
CATALOGUE = (
    Category("OTC Health", "OTC", ("Medivale", "Curaline", "Vitalis", "Sanora"), (
        SubCategory("Cold & Flu", "winter", (
            _L("Cold & Flu Capsules", ("Day", "Night"), ("12 pcs", "24 pcs"), "pcs", (12, 24), (5.5, 9.9)),
            _L("Throat Lozenges", ("Honey Lemon", "Menthol", "Cherry"), ("16 pcs", "36 pcs"), "pcs", (24,), (3.9, 7.5)),
            _L("Nasal Spray", ("Adult", "Kids"), ("15 ml", "20 ml"), "pcs", (12, 24), (4.2, 6.8)),
            _L("Cough Syrup", ("Dry Cough", "Chesty Cough"), ("100 ml", "200 ml"), "pcs", (12,), (6.5, 10.9)),
        )),
        SubCategory("Pain Relief", "flat", (
            _L("Ibuprofen Tablets", ("200 mg", "400 mg"), ("20 pcs", "50 pcs"), "pcs", (24, 48), (2.9, 6.4)),
            _L("Paracetamol Tablets", ("500 mg",), ("20 pcs", "50 pcs"), "pcs", (24, 48), (1.9, 4.5)),
            _L("Pain Relief Gel", ("Cooling", "Warming"), ("50 g", "100 g"), "pcs", (12,), (6.9, 11.5)),
        )),
        SubCategory("Allergy", "pollen", (
            _L("Antihistamine Tablets", ("Non-Drowsy",), ("7 pcs", "30 pcs"), "pcs", (24,), (4.5, 12.9)),
            _L("Allergy Eye Drops", (), ("10 ml",), "pcs", (12,), (7.5, 7.5)),
        )),
        SubCategory("Vitamins & Supplements", "winter", (
            _L("Vitamin D3", ("1000 IU", "2000 IU"), ("60 pcs", "120 pcs"), "pcs", (12,), (6.9, 11.9)),
            _L("Vitamin C Effervescent", ("Orange", "Lemon"), ("20 pcs",), "pcs", (24,), (3.5, 3.5)),
            _L("Magnesium Tablets", (), ("30 pcs", "90 pcs"), "pcs", (12,), (5.9, 13.9)),
            _L("Omega-3 Capsules", (), ("60 pcs", "120 pcs"), "pcs", (12,), (9.9, 16.9)),
        )),
    )),
    Category("Personal Care", "PC", ("Lumera", "Purelle", "Skinwise", "Aquaneve"), (
        SubCategory("Skin Care", "flat", (
            _L("Hand Cream", ("Intensive", "Sensitive"), ("75 ml", "150 ml"), "pcs", (12, 24), (3.5, 6.2)),
            _L("Body Lotion", ("Aloe", "Shea", "Unscented"), ("250 ml", "400 ml"), "pcs", (12,), (4.9, 7.5)),
            _L("Face Cream", ("Day", "Night"), ("50 ml",), "pcs", (12,), (8.9, 8.9)),
        )),
        SubCategory("Sun Care", "summer", (
            _L("Sun Lotion", ("SPF 30", "SPF 50"), ("200 ml", "300 ml"), "pcs", (12,), (8.5, 12.9)),
            _L("After Sun Gel", (), ("200 ml",), "pcs", (12,), (6.5, 6.5)),
            _L("Kids Sun Spray", ("SPF 50+",), ("150 ml",), "pcs", (12,), (9.9, 9.9)),
        )),
        SubCategory("Oral Care", "flat", (
            _L("Toothpaste", ("Whitening", "Sensitive", "Herbal"), ("75 ml", "125 ml"), "pcs", (24, 48), (1.9, 3.2)),
            _L("Toothbrush", ("Soft", "Medium"), ("1 pcs", "3 pcs"), "pcs", (24,), (2.2, 5.5)),
            _L("Mouthwash", ("Mint", "Fresh"), ("500 ml",), "pcs", (12,), (3.9, 3.9)),
        )),
        SubCategory("Hair Care", "flat", (
            _L("Shampoo", ("Repair", "Volume", "Anti-Dandruff"), ("250 ml", "500 ml"), "pcs", (12, 24), (3.2, 5.6)),
            _L("Conditioner", ("Repair", "Volume"), ("250 ml",), "pcs", (12,), (3.5, 3.5)),
        )),
    )),
    Category("Food & Beverages", "FB", ("Harvestone", "Millbrook", "Goldenfield", "Orchard Lane"), (
        SubCategory("Beverages", "summer", (
            _L("Sparkling Water", ("Natural", "Lemon"), ("1 l", "1.5 l"), "pcs", (6, 12), (0.6, 0.9)),
            _L("Iced Tea", ("Peach", "Lemon"), ("500 ml", "1.5 l"), "pcs", (12, 6), (1.1, 2.2)),
            _L("Orange Juice", ("Smooth", "With Pulp"), ("1 l",), "pcs", (6, 12), (2.1, 2.1)),
        )),
        SubCategory("Snacks", "flat", (
            _L("Salted Crisps", ("Sea Salt", "Paprika", "Sour Cream"), ("150 g", "250 g"), "pcs", (12, 20), (1.5, 2.4)),
            _L("Cereal Bars", ("Oat & Honey", "Chocolate"), ("6 pcs",), "pcs", (12,), (2.6, 2.6)),
            _L("Roasted Nuts", ("Salted", "Honey"), ("200 g",), "pcs", (10,), (3.4, 3.4)),
        )),
        SubCategory("Breakfast", "flat", (
            _L("Muesli", ("Fruit", "Crunchy"), ("500 g", "1 kg"), "pcs", (8,), (3.2, 5.6)),
            _L("Ground Coffee", ("Classic", "Espresso"), ("250 g", "500 g"), "pcs", (12,), (4.5, 8.4)),
            _L("Strawberry Jam", (), ("340 g",), "pcs", (12,), (2.4, 2.4)),
        )),
        SubCategory("Seasonal & Gifts", "festive", (
            _L("Chocolate Gift Box", ("Pralines", "Truffles"), ("200 g", "400 g"), "pcs", (8,), (6.9, 12.9)),
            _L("Christmas Biscuits", ("Butter", "Gingerbread"), ("500 g",), "pcs", (10,), (4.9, 4.9)),
        )),
    )),
    Category("Household", "HH", ("Sparkwell", "Cleanwise", "Homeleaf", "Brightmoor"), (
        SubCategory("Cleaning", "flat", (
            _L("All-Purpose Cleaner", ("Lemon", "Fresh"), ("750 ml", "1.5 l"), "pcs", (12,), (1.9, 3.4)),
            _L("Disinfectant Spray", (), ("500 ml",), "pcs", (12,), (3.9, 3.9)),
            _L("Glass Cleaner", (), ("750 ml",), "pcs", (12,), (2.3, 2.3)),
        )),
        SubCategory("Laundry", "flat", (
            _L("Laundry Detergent", ("Colour", "Sensitive"), ("1.5 l", "3 l"), "pcs", (6, 4), (6.9, 12.9)),
            _L("Fabric Softener", ("Spring", "Cotton"), ("1 l",), "pcs", (8,), (2.9, 2.9)),
        )),
        SubCategory("Paper & Tissue", "flat", (
            _L("Kitchen Roll", (), ("4 rolls", "8 rolls"), "pcs", (6, 4), (3.2, 5.9)),
            _L("Facial Tissues", ("Balsam", "Classic"), ("80 pcs",), "pcs", (24,), (1.6, 1.6)),
            _L("Toilet Paper", ("3-Ply",), ("9 rolls", "24 rolls"), "pcs", (6, 2), (4.2, 9.9)),
        )),
    )),
    Category("Garden", "GAR", ("Greenhollow", "Verdana", "Bloomfield", "Gardelia"), (
        SubCategory("Lawn & Plant Care", "spring", (
            _L("Lawn Fertiliser", ("Spring", "Moss Control"), ("2.5 kg", "10 kg"), "pcs", (4, 1), (9.9, 29.9)),
            _L("Potting Compost", ("Peat-Free",), ("20 l", "50 l"), "pcs", (1,), (5.9, 11.9)),
            _L("Grass Seed", ("Hard-Wearing", "Shade"), ("1 kg", "2.5 kg"), "pcs", (6,), (8.9, 18.9)),
            _L("Plant Food", ("Tomato", "Universal"), ("1 l",), "pcs", (12,), (5.5, 5.5)),
        )),
        SubCategory("Watering", "summer", (
            _L("Garden Hose", (), ("15 m", "30 m"), "pcs", (4,), (19.9, 34.9)),
            _L("Spray Nozzle", ("Multi-Pattern",), ("1 pcs",), "pcs", (10,), (9.9, 9.9)),
            _L("Watering Can", (), ("10 l",), "pcs", (6,), (7.9, 7.9)),
        )),
        SubCategory("Garden Tools", "spring", (
            _L("Pruning Shears", ("Bypass", "Anvil"), ("1 pcs",), "pcs", (6,), (14.9, 19.9)),
            _L("Garden Spade", (), ("1 pcs",), "pcs", (4,), (24.9, 24.9)),
            _L("Leaf Rake", (), ("1 pcs",), "pcs", (6,), (12.9, 12.9)),
        )),
    )),
    Category("Paint & Decor", "PNT", ("Colourcraft", "Brightwell", "Duracoat", "Paintmaster"), (
        SubCategory("Wall Paint", "flat", (
            _L("Interior Wall Paint", ("Matt White", "Silk White", "Warm Grey"), ("2.5 l", "10 l"), "pcs", (4, 1),
               (19.9, 59.9)),
            _L("Ceiling Paint", ("Brilliant White",), ("5 l",), "pcs", (2,), (29.9, 29.9)),
        )),
        SubCategory("Wood Care", "outdoor", (
            _L("Wood Stain", ("Oak", "Walnut", "Clear"), ("750 ml", "2.5 l"), "pcs", (6, 4), (14.9, 39.9)),
            _L("Fence Paint", ("Forest Green", "Harvest Gold"), ("5 l",), "pcs", (2,), (17.9, 17.9)),
            _L("Decking Oil", ("Natural",), ("2.5 l",), "pcs", (4,), (27.9, 27.9)),
        )),
        SubCategory("Brushes & Rollers", "flat", (
            _L("Paint Brush Set", ("Synthetic",), ("3 pcs", "5 pcs"), "pcs", (12,), (8.9, 14.9)),
            _L("Paint Roller Kit", (), ("9 in",), "pcs", (6,), (11.9, 11.9)),
            _L("Masking Tape", (), ("25 mm x 50 m", "38 mm x 50 m"), "pcs", (24,), (3.2, 4.5)),
        )),
    )),
    Category("Tools", "TLS", ("Ironclad", "Forgeline", "Toolmark", "Steelhaven"), (
        SubCategory("Power Tools", "festive", (
            _L("Cordless Drill", ("18 V",), ("1 pcs",), "pcs", (2,), (89.0, 89.0)),
            _L("Impact Driver", ("18 V",), ("1 pcs",), "pcs", (2,), (109.0, 109.0)),
            _L("Jigsaw", ("650 W",), ("1 pcs",), "pcs", (2,), (69.0, 69.0)),
            _L("Battery Pack", ("18 V 2.0 Ah", "18 V 4.0 Ah"), ("1 pcs",), "pcs", (4,), (39.0, 59.0)),
        )),
        SubCategory("Hand Tools", "flat", (
            _L("Claw Hammer", (), ("16 oz",), "pcs", (6,), (14.9, 14.9)),
            _L("Screwdriver Set", ("Precision", "Workshop"), ("6 pcs", "12 pcs"), "pcs", (6,), (12.9, 24.9)),
            _L("Tape Measure", (), ("5 m", "8 m"), "pcs", (12,), (7.9, 11.9)),
        )),
        SubCategory("Fixings", "flat", (
            _L("Wood Screws", ("Zinc",), ("4x40 mm 200 pcs", "5x60 mm 100 pcs"), "box", (10,), (6.9, 8.9)),
            _L("Wall Plugs", ("Universal",), ("6 mm 100 pcs", "8 mm 100 pcs"), "box", (10,), (3.9, 4.9)),
            _L("Cable Ties", ("Black",), ("200 mm 100 pcs",), "box", (20,), (3.5, 3.5)),
        )),
    )),
    Category("Medical Consumables", "MED", ("Medicor", "Sterilux", "Carevia", "Clinigard"), (
        SubCategory("Gloves & Protection", "winter", (
            _L("Nitrile Examination Gloves", ("Size S", "Size M", "Size L"), ("100 pcs",), "box", (10,), (7.9, 7.9)),
            _L("Surgical Face Masks", ("Type IIR",), ("50 pcs",), "box", (20,), (6.5, 6.5)),
            _L("Disposable Aprons", (), ("100 pcs",), "box", (10,), (9.9, 9.9)),
        )),
        SubCategory("Wound Care", "flat", (
            _L("Sterile Gauze Swabs", (), ("10x10 cm 100 pcs",), "box", (20,), (8.9, 8.9)),
            _L("Adhesive Dressings", ("Waterproof", "Fabric"), ("7x5 cm 50 pcs", "10x10 cm 25 pcs"), "box", (20,),
               (6.9, 9.9)),
            _L("Elastic Bandage", (), ("8 cm x 4 m", "10 cm x 4 m"), "pcs", (20,), (2.2, 2.6)),
        )),
        SubCategory("Infusion & Injection", "flat", (
            _L("Syringes", ("Luer Lock",), ("5 ml 100 pcs", "10 ml 100 pcs"), "box", (10,), (11.9, 14.9)),
            _L("IV Cannula", ("20 G", "22 G"), ("50 pcs",), "box", (10,), (39.0, 39.0)),
            _L("Infusion Set", ("Standard",), ("25 pcs",), "box", (8,), (24.9, 24.9)),
        )),
        SubCategory("Diagnostics", "winter", (
            _L("Rapid Antigen Test", ("Flu A/B",), ("25 pcs",), "box", (10,), (59.0, 59.0)),
            _L("Blood Glucose Strips", (), ("50 pcs",), "box", (12,), (17.9, 17.9)),
        )),
    )),
    Category("Components", "CMP", ("Axion", "Kinetra", "Precisa", "Voltrex"), (
        SubCategory("Electronic Components", "industrial", (
            _L("Relay", ("12 V", "24 V"), ("1 pcs",), "pcs", (50, 100), (2.4, 2.4)),
            _L("Power Supply Unit", ("24 V 60 W", "24 V 120 W"), ("1 pcs",), "pcs", (10,), (34.0, 52.0)),
            _L("Proximity Sensor", ("M12", "M18"), ("1 pcs",), "pcs", (20,), (28.0, 31.0)),
        )),
        SubCategory("Fasteners", "industrial", (
            _L("Hex Bolts", ("A2 Stainless",), ("M8x30 100 pcs", "M10x40 100 pcs"), "box", (10,), (12.9, 19.9)),
            _L("Lock Nuts", ("Nylon Insert",), ("M8 200 pcs", "M10 200 pcs"), "box", (10,), (8.9, 11.9)),
        )),
        SubCategory("Bearings & Seals", "industrial", (
            _L("Ball Bearing", ("6204-2RS", "6205-2RS"), ("1 pcs",), "pcs", (20,), (4.9, 6.2)),
            _L("O-Ring Kit", ("NBR",), ("225 pcs",), "box", (5,), (19.9, 19.9)),
            _L("Shaft Seal", ("25x42x7", "30x47x7"), ("1 pcs",), "pcs", (50,), (1.8, 2.1)),
        )),
        SubCategory("Motors & Drives", "industrial", (
            _L("Geared Motor", ("0.37 kW", "0.75 kW"), ("1 pcs",), "pcs", (1,), (245.0, 389.0)),
            _L("Frequency Inverter", ("0.75 kW", "1.5 kW"), ("1 pcs",), "pcs", (1,), (289.0, 359.0)),
        )),
    )),
)  # fmt: skip

# What each channel buys: category -> share of its purchases.
CHANNEL_CATEGORIES = {
    "retail-chain": {"Food & Beverages": 35, "Household": 25, "Personal Care": 20, "OTC Health": 8, "Garden": 7,
                     "Paint & Decor": 5},
    "e-commerce": {"Personal Care": 20, "Tools": 20, "Household": 15, "Garden": 15, "Food & Beverages": 10,
                   "OTC Health": 10, "Paint & Decor": 10},
    "pharmacy": {"OTC Health": 50, "Personal Care": 35, "Medical Consumables": 15},
    "diy": {"Tools": 35, "Garden": 35, "Paint & Decor": 30},
    "wholesale": {"Food & Beverages": 20, "Household": 20, "Medical Consumables": 15, "Tools": 15,
                  "Components": 15, "Personal Care": 15},
    "hospital": {"Medical Consumables": 85, "Household": 10, "OTC Health": 5},
    "government": {"Medical Consumables": 40, "Household": 35, "Tools": 25},
    "oem": {"Components": 90, "Tools": 10},
}  # fmt: skip
# Cost to serve as a share of net sales, by channel: small drops to many stores cost more than full trucks.
CHANNEL_COST_TO_SERVE = {
    "retail-chain": 4.5, "pharmacy": 5.5, "e-commerce": 7.0, "diy": 4.0, "wholesale": 2.5, "hospital": 5.0,
    "government": 3.5, "oem": 2.0,
}  # fmt: skip
