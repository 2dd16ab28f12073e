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
