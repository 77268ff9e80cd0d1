"""Facts about UN Member States and observer States that no package holds."""

# Sources:
# - United Nations, "Member States" (https://www.un.org/en/about-us/member-states):
#   the list of the 193 Member States with their dates of admission.
# - UN Terminology Database, UNTERM (https://unterm.un.org): the short names the UN
#   prints for each State in voting records and press releases.
# - UN press releases (https://press.un.org) and General Assembly voting records in
#   the UN Digital Library (https://digitallibrary.un.org): the names used before a
#   change of name, as listed in FORMER_NAMES.
#
# Original Members are not all dated 24 October 1945: the UN's list gives each
# original Member that deposited its ratification of the Charter after the Charter
# entered into force the date of that ratification (Australia 1 November 1945,
# Belgium 27 December 1945, ...). The dates below follow the UN's list.

from datetime import date

MEMBERS: dict[str, tuple[str, date]] = {
    "AFG": ("Afghanistan", date(1946, 11, 19)),
    "ALB": ("Albania", date(1955, 12, 14)),
    "DZA": ("Algeria", date(1962, 10, 8)),
    "AND": ("Andorra", date(1993, 7, 28)),
    "AGO": ("Angola", date(1976, 12, 1)),
    "ATG": ("Antigua and Barbuda", date(1981, 11, 11)),
    "ARG": ("Argentina", date(1945, 10, 24)),
    "ARM": ("Armenia", date(1992, 3, 2)),
    "AUS": ("Australia", date(1945, 11, 1)),
    "AUT": ("Austria", date(1955, 12, 14)),
    "AZE": ("Azerbaijan", date(1992, 3, 2)),
    "BHS": ("Bahamas", date(1973, 9, 18)),
    "BHR": ("Bahrain", date(1971, 9, 21)),
    "BGD": ("Bangladesh", date(1974, 9, 17)),
    "BRB": ("Barbados", date(1966, 12, 9)),
    "BLR": ("Belarus", date(1945, 10, 24)),
    "BEL": ("Belgium", date(1945, 12, 27)),
    "BLZ": ("Belize", date(1981, 9, 25)),
    "BEN": ("Benin", date(1960, 9, 20)),
    "BTN": ("Bhutan", date(1971, 9, 21)),
    "BOL": ("Bolivia (Plurinational State of)", date(1945, 11, 14)),
    "BIH": ("Bosnia and Herzegovina", date(1992, 5, 22)),
    "BWA": ("Botswana", date(1966, 10, 17)),
    "BRA": ("Brazil", date(1945, 10, 24)),
    "BRN": ("Brunei Darussalam", date(1984, 9, 21)),
    "BGR": ("Bulgaria", date(1955, 12, 14)),
    "BFA": ("Burkina Faso", date(1960, 9, 20)),
    "BDI": ("Burundi", date(1962, 9, 18)),
    "CPV": ("Cabo Verde", date(1975, 9, 16)),
    "KHM": ("Cambodia", date(1955, 12, 14)),
    "CMR": ("Cameroon", date(1960, 9, 20)),
    "CAN": ("Canada", date(1945, 11, 9)),
    "CAF": ("Central African Republic", date(1960, 9, 20)),
    "TCD": ("Chad", date(1960, 9, 20)),
    "CHL": ("Chile", date(1945, 10, 24)),
    "CHN": ("China", date(1945, 10, 24)),
    "COL": ("Colombia", date(1945, 11, 5)),
    "COM": ("Comoros", date(1975, 11, 12)),
    "COG": ("Congo", date(1960, 9, 20)),
    "CRI": ("Costa Rica", date(1945, 11, 2)),
    "CIV": ("Côte d'Ivoire", date(1960, 9, 20)),
    "HRV": ("Croatia", date(1992, 5, 22)),
    "CUB": ("Cuba", date(1945, 10, 24)),
    "CYP": ("Cyprus", date(1960, 9, 20)),
    # Czechoslovakia was an original Member; its two successors were admitted anew.
    "CZE": ("Czechia", date(1993, 1, 19)),
    "PRK": ("Democratic People's Republic of Korea", date(1991, 9, 17)),
    "COD": ("Democratic Republic of the Congo", date(1960, 9, 20)),
    "DNK": ("Denmark", date(1945, 10, 24)),
    "DJI": ("Djibouti", date(1977, 9, 20)),
    "DMA": ("Dominica", date(1978, 12, 18)),
    "DOM": ("Dominican Republic", date(1945, 10, 24)),
    "ECU": ("Ecuador", date(1945, 12, 21)),
    "EGY": ("Egypt", date(1945, 10, 24)),
    "SLV": ("El Salvador", date(1945, 10, 24)),
    "GNQ": ("Equatorial Guinea", date(1968, 11, 12)),
    "ERI": ("Eritrea", date(1993, 5, 28)),
    "EST": ("Estonia", date(1991, 9, 17)),
    "SWZ": ("Eswatini", date(1968, 9, 24)),
    "ETH": ("Ethiopia", date(1945, 11, 13)),
    "FJI": ("Fiji", date(1970, 10, 13)),
    "FIN": ("Finland", date(1955, 12, 14)),
    "FRA": ("France", date(1945, 10, 24)),
    "GAB": ("Gabon", date(1960, 9, 20)),
    "GMB": ("Gambia", date(1965, 9, 21)),
    "GEO": ("Georgia", date(1992, 7, 31)),
    # The Federal Republic of Germany and the German Democratic Republic were both
    # admitted on 18 September 1973; they united on 3 October 1990 as one Member.
    "DEU": ("Germany", date(1973, 9, 18)),
    "GHA": ("Ghana", date(1957, 3, 8)),
    "GRC": ("Greece", date(1945, 10, 25)),
    "GRD": ("Grenada", date(1974, 9, 17)),
    "GTM": ("Guatemala", date(1945, 11, 21)),
    "GIN": ("Guinea", date(1958, 12, 12)),
    "GNB": ("Guinea-Bissau", date(1974, 9, 17)),
    "GUY": ("Guyana", date(1966, 9, 20)),
    "HTI": ("Haiti", date(1945, 10, 24)),
    "HND": ("Honduras", date(1945, 12, 17)),
    "HUN": ("Hungary", date(1955, 12, 14)),
    "ISL": ("Iceland", date(1946, 11, 19)),
    "IND": ("India", date(1945, 10, 30)),
    "IDN": ("Indonesia", date(1950, 9, 28)),
    "IRN": ("Iran (Islamic Republic of)", date(1945, 10, 24)),
    "IRQ": ("Iraq", date(1945, 12, 21)),
    "IRL": ("Ireland", date(1955, 12, 14)),
    "ISR": ("Israel", date(1949, 5, 11)),
    "ITA": ("Italy", date(1955, 12, 14)),
    "JAM": ("Jamaica", date(1962, 9, 18)),
    "JPN": ("Japan", date(1956, 12, 18)),
    "JOR": ("Jordan", date(1955, 12, 14)),
    "KAZ": ("Kazakhstan", date(1992, 3, 2)),
    "KEN": ("Kenya", date(1963, 12, 16)),
    "KIR": ("Kiribati", date(1999, 9, 14)),
    "KWT": ("Kuwait", date(1963, 5, 14)),
    "KGZ": ("Kyrgyzstan", date(1992, 3, 2)),
    "LAO": ("Lao People's Democratic Republic", date(1955, 12, 14)),
    "LVA": ("Latvia", date(1991, 9, 17)),
    "LBN": ("Lebanon", date(1945, 10, 24)),
    "LSO": ("Lesotho", date(1966, 10, 17)),
    "LBR": ("Liberia", date(1945, 11, 2)),
    "LBY": ("Libya", date(1955, 12, 14)),
    "LIE": ("Liechtenstein", date(1990, 9, 18)),
    "LTU": ("Lithuania", date(1991, 9, 17)),
    "LUX": ("Luxembourg", date(1945, 10, 24)),
    "MDG": ("Madagascar", date(1960, 9, 20)),
    "MWI": ("Malawi", date(1964, 12, 1)),
    # Admitted as the Federation of Malaya.
    "MYS": ("Malaysia", date(1957, 9, 17)),
    "MDV": ("Maldives", date(1965, 9, 21)),
    "MLI": ("Mali", date(1960, 9, 28)),
    "MLT": ("Malta", date(1964, 12, 1)),
    "MHL": ("Marshall Islands", date(1991, 9, 17)),
    "MRT": ("Mauritania", date(1961, 10, 27)),
    "MUS": ("Mauritius", date(1968, 4, 24)),
    "MEX": ("Mexico", date(1945, 11, 7)),
    "FSM": ("Micronesia (Federated States of)", date(1991, 9, 17)),
    "MCO": ("Monaco", date(1993, 5, 28)),
    "MNG": ("Mongolia", date(1961, 10, 27)),
    "MNE": ("Montenegro", date(2006, 6, 28)),
    "MAR": ("Morocco", date(1956, 11, 12)),
    "MOZ": ("Mozambique", date(1975, 9, 16)),
    "MMR": ("Myanmar", date(1948, 4, 19)),
    "NAM": ("Namibia", date(1990, 4, 23)),
    "NRU": ("Nauru", date(1999, 9, 14)),
    "NPL": ("Nepal", date(1955, 12, 14)),
    "NLD": ("Netherlands (Kingdom of the)", date(1945, 12, 10)),
    "NZL": ("New Zealand", date(1945, 10, 24)),
    "NIC": ("Nicaragua", date(1945, 10, 24)),
    "NER": ("Niger", date(1960, 9, 20)),
    "NGA": ("Nigeria", date(1960, 10, 7)),
    "MKD": ("North Macedonia", date(1993, 4, 8)),
    "NOR": ("Norway", date(1945, 11, 27)),
    "OMN": ("Oman", date(1971, 10, 7)),
    "PAK": ("Pakistan", date(1947, 9, 30)),
    "PLW": ("Palau", date(1994, 12, 15)),
    "PAN": ("Panama", date(1945, 11, 13)),
    "PNG": ("Papua New Guinea", date(1975, 10, 10)),
    "PRY": ("Paraguay", date(1945, 10, 24)),
    "PER": ("Peru", date(1945, 10, 31)),
    "PHL": ("Philippines", date(1945, 10, 24)),
    # Poland signed the Charter only on 15 October 1945 but is an original Member.
    "POL": ("Poland", date(1945, 10, 24)),
    "PRT": ("Portugal", date(1955, 12, 14)),
    "QAT": ("Qatar", date(1971, 9, 21)),
    "KOR": ("Republic of Korea", date(1991, 9, 17)),
    "MDA": ("Republic of Moldova", date(1992, 3, 2)),
    "ROU": ("Romania", date(1955, 12, 14)),
    # Continues the membership of the USSR, an original Member.
    "RUS": ("Russian Federation", date(1945, 10, 24)),
    "RWA": ("Rwanda", date(1962, 9, 18)),
    "KNA": ("Saint Kitts and Nevis", date(1983, 9, 23)),
    "LCA": ("Saint Lucia", date(1979, 9, 18)),
    "VCT": ("Saint Vincent and the Grenadines", date(1980, 9, 16)),
    "WSM": ("Samoa", date(1976, 12, 15)),
    "SMR": ("San Marino", date(1992, 3, 2)),
    "STP": ("Sao Tome and Principe", date(1975, 9, 16)),
    "SAU": ("Saudi Arabia", date(1945, 10, 24)),
    "SEN": ("Senegal", date(1960, 9, 28)),
    # Admitted as the Federal Republic of Yugoslavia, later Serbia and Montenegro;
    # Serbia continued that membership when Montenegro left in 2006.
    "SRB": ("Serbia", date(2000, 11, 1)),
    "SYC": ("Seychelles", date(1976, 9, 21)),
    "SLE": ("Sierra Leone", date(1961, 9, 27)),
    "SGP": ("Singapore", date(1965, 9, 21)),
    "SVK": ("Slovakia", date(1993, 1, 19)),
    "SVN": ("Slovenia", date(1992, 5, 22)),
    "SLB": ("Solomon Islands", date(1978, 9, 19)),
    "SOM": ("Somalia", date(1960, 9, 20)),
    "ZAF": ("South Africa", date(1945, 11, 7)),
    "SSD": ("South Sudan", date(2011, 7, 14)),
    "ESP": ("Spain", date(1955, 12, 14)),
    "LKA": ("Sri Lanka", date(1955, 12, 14)),
    "SDN": ("Sudan", date(1956, 11, 12)),
    "SUR": ("Suriname", date(1975, 12, 4)),
    "SWE": ("Sweden", date(1946, 11, 19)),
    "CHE": ("Switzerland", date(2002, 9, 10)),
    # An original Member; it shared one membership with Egypt as the United Arab
    # Republic from 1958 and resumed its own on 13 October 1961.
    "SYR": ("Syrian Arab Republic", date(1945, 10, 24)),
    "TJK": ("Tajikistan", date(1992, 3, 2)),
    "THA": ("Thailand", date(1946, 12, 16)),
    "TLS": ("Timor-Leste", date(2002, 9, 27)),
    "TGO": ("Togo", date(1960, 9, 20)),
    "TON": ("Tonga", date(1999, 9, 14)),
    "TTO": ("Trinidad and Tobago", date(1962, 9, 18)),
    "TUN": ("Tunisia", date(1956, 11, 12)),
    "TUR": ("Türkiye", date(1945, 10, 24)),
    "TKM": ("Turkmenistan", date(1992, 3, 2)),
    "TUV": ("Tuvalu", date(2000, 9, 5)),
    "UGA": ("Uganda", date(1962, 10, 25)),
    "UKR": ("Ukraine", date(1945, 10, 24)),
    "ARE": ("United Arab Emirates", date(1971, 12, 9)),
    "GBR": ("United Kingdom of Great Britain and Northern Ireland", date(1945, 10, 24)),
    # Tanganyika's date; Zanzibar (admitted 1963) joined it in 1964 as one Member.
    "TZA": ("United Republic of Tanzania", date(1961, 12, 14)),
    "USA": ("United States of America", date(1945, 10, 24)),
    "URY": ("Uruguay", date(1945, 12, 18)),
    "UZB": ("Uzbekistan", date(1992, 3, 2)),
    "VUT": ("Vanuatu", date(1981, 9, 15)),
    "VEN": ("Venezuela (Bolivarian Republic of)", date(1945, 11, 15)),
    "VNM": ("Viet Nam", date(1977, 9, 20)),
    # Yemen's date; Democratic Yemen (admitted 1967) merged with it in 1990.
    "YEM": ("Yemen", date(1947, 9, 30)),
    "ZMB": ("Zambia", date(1964, 12, 1)),
    "ZWE": ("Zimbabwe", date(1980, 8, 25)),
}

# Non-member observer States, dated from when each gained that status: the Holy See
# has kept a permanent observer mission since 6 April 1964; the State of Palestine
# was accorded the status by General Assembly resolution 67/19 of 29 November 2012.
OBSERVERS: dict[str, tuple[str, date | None]] = {
    "VAT": ("Holy See", date(1964, 4, 6)),
    "PSE": ("State of Palestine", date(2012, 11, 29)),
}

# Other names for the same State: names the UN has printed in voting records since
# about 1990, then common short forms that fit only one State. Spelling variants
# (accents, apostrophes, capitals, a leading "the", "X (Y of)" or "X, Y of" for
# "Y of X") are left to the name matcher's normalisation.
FORMER_NAMES: dict[str, list[str]] = {
    "ARE": ["UAE"],
    # The Byelorussian and Ukrainian SSRs were original Members under those names.
    "BLR": ["Byelorussian Soviet Socialist Republic", "Byelorussian SSR"],
    "BOL": ["Bolivia"],
    "BRN": ["Brunei"],
    "CIV": ["Cote d'Ivoire", "Ivory Coast"],
    "COD": [
        "Zaire",
        "DR Congo",
        "DRC",
        "Democratic Republic of Congo",
    ],
    "COG": ["Republic of the Congo"],
    "CPV": ["Cape Verde"],
    "CZE": ["Czech Republic"],
    # The united Germany continues the membership of the Federal Republic.
    "DEU": ["Federal Republic of Germany"],
    "FSM": ["Micronesia"],
    "GBR": ["United Kingdom", "UK", "Great Britain"],
    "GMB": ["Gambia (Republic of The)"],
    "IRN": ["Iran", "Islamic Republic of Iran"],
    "KAZ": ["Kazakstan"],
    "KOR": ["South Korea"],
    "LAO": ["Laos"],
    "LBY": ["Libyan Arab Jamahiriya"],
    "MDA": ["Moldova"],
    "MKD": ["The former Yugoslav Republic of Macedonia"],
    "MMR": ["Burma"],
    "NLD": ["Netherlands"],
    "PRK": ["North Korea", "DPRK"],
    "RUS": ["Russia", "Union of Soviet Socialist Republics", "USSR"],
    # Serbia continues the membership admitted in 2000 under these names.
    "SRB": ["Federal Republic of Yugoslavia", "Serbia and Montenegro"],
    "SWZ": ["Swaziland"],
    "SYR": ["Syria"],
    "TLS": ["East Timor"],
    "TUR": ["Turkey"],
    "TZA": ["Tanzania"],
    "UKR": ["Ukrainian Soviet Socialist Republic", "Ukrainian SSR"],
    "USA": ["United States", "USA"],
    "VEN": ["Venezuela"],
    "VNM": ["Vietnam"],
    "WSM": ["Western Samoa"],
    "PSE": ["Palestine"],
    "VAT": ["Vatican", "Vatican City", "Vatican City State"],
}

# Names a person might type that fit more than one State; they must never be
# matched to either silently.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "Korea": ("KOR", "PRK"),
}

# Members that no longer exist and whose seat no present State continues, so the
# registry has no place for them; the Digital Library's voting data still lists
# their votes. Each is (ISO 3166-3 code or None, name, member from, member until),
# the last day inclusive.
FORMER_MEMBERS: list[tuple[str | None, str, date, date]] = [
    ("CSK", "Czechoslovakia", date(1945, 10, 24), date(1992, 12, 31)),
    ("DDR", "German Democratic Republic", date(1973, 9, 18), date(1990, 10, 2)),
    ("YMD", "Democratic Yemen", date(1967, 12, 14), date(1990, 5, 21)),
    # General Assembly resolution 47/1 (22 September 1992) ended the seat's use.
    ("YUG", "Yugoslavia", date(1945, 10, 24), date(1992, 9, 21)),
    # Admitted 16 December 1963; united with Tanganyika on 26 April 1964.
    (None, "Zanzibar", date(1963, 12, 16), date(1964, 4, 25)),
]
