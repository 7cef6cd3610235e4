//! The help centre's own words, in each language it speaks (English for any other).

/// Every text of the pages that is not an article's.
#[derive(Debug)]
pub struct Words {
    pub language_name: &'static str,
    pub skip: &'static str,
    pub search_label: &'static str,
    pub search_placeholder: &'static str,
    pub search_button: &'static str,
    pub suggestions: &'static str,
    pub browse: &'static str,
    pub articles: &'static str,
    pub results_for: &'static str,
    pub no_results: &'static str,
    pub empty_query: &'static str,
    pub helpful: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub comment: &'static str,
    pub thanks: &'static str,
    pub still_need_help: &'static str,
    pub chat_text: &'static str,
    pub chat: &'static str,
    pub breadcrumb: &'static str,
    pub updated: &'static str,
    pub in_other_languages: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub general: &'static str,
}

const ENGLISH: Words = Words {
    language_name: "English",
    skip: "Skip to the content",
    search_label: "Search the help centre",
    search_placeholder: "Describe your question, e.g. how do I return an item",
    search_button: "Search",
    suggestions: "Suggested articles",
    browse: "Browse by topic",
    articles: "articles",
    results_for: "Results for",
    no_results: "No article matches your search. Try other words, or chat with us.",
    empty_query: "Type a question or a few words to search.",
    helpful: "Was this article helpful?",
    yes: "Yes",
    no: "No",
    comment: "What were you looking for? (optional)",
    thanks: "Thank you for your feedback.",
    still_need_help: "Still need help?",
    chat_text: "Our assistant answers at any hour and hands over to a person when needed.",
    chat: "Chat with us",
    breadcrumb: "Breadcrumb",
    updated: "Updated",
    in_other_languages: "This article in",
    not_found: "Page not found",
    not_found_text: "There is no article at this address. Search the help centre or browse its topics.",
    general: "general",
};

const FRENCH: Words = Words {
    language_name: "Français",
    skip: "Aller au contenu",
    search_label: "Rechercher dans l'aide",
    search_placeholder: "Décrivez votre question, par exemple comment retourner un article",
    search_button: "Rechercher",
    suggestions: "Articles suggérés",
    browse: "Parcourir par thème",
    articles: "articles",
    results_for: "Résultats pour",
    no_results: "Aucun article ne correspond à votre recherche. Essayez d'autres mots, ou discutez avec nous.",
    empty_query: "Saisissez une question ou quelques mots pour rechercher.",
    helpful: "Cet article vous a-t-il aidé ?",
    yes: "Oui",
    no: "Non",
    comment: "Que cherchiez-vous ? (facultatif)",
    thanks: "Merci pour votre avis.",
    still_need_help: "Besoin d'aide ?",
    chat_text: "Notre assistant répond à toute heure et passe la main à un conseiller si besoin.",
    chat: "Discuter avec nous",
    breadcrumb: "Fil d'Ariane",
    updated: "Mis à jour le",
    in_other_languages: "Cet article en",
    not_found: "Page introuvable",
    not_found_text: "Aucun article à cette adresse. Recherchez dans l'aide ou parcourez ses thèmes.",
    general: "général",
};

impl Words {
    /// The words of `lang` (an ISO 639-1 code); English for a language without its own.
    pub fn of(lang: &str) -> &'static Words {
        match lang {
            "fr" => &FRENCH,
            _ => &ENGLISH,
        }
    }
}
