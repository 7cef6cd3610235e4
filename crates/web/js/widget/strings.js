/**
 * The widget's own text, per language (English and French), and how a language is chosen.
 * Values may hold {name} placeholders, filled by `text`.
 */

export const STRINGS = {
  en: {
    title: "Chat with us",
    open: "Open chat",
    openUnread: "Open chat, {n} new",
    close: "Close chat",
    end: "End conversation",
    input: "Your message",
    placeholder: "Type your message…",
    send: "Send",
    connecting: "Connecting…",
    reconnecting: "Connection lost. Reconnecting…",
    offline: "You are offline. Your messages will be sent when the connection returns.",
    queued: "Waiting for an agent",
    queuedAt: "Waiting for an agent (you are number {n})",
    joined: "{name} joined the conversation",
    with: "Chatting with {name}",
    left: "{name} left the conversation",
    returned: "You are back with the assistant",
    noAgent: "No one is available right now",
    abandoned: "You left the queue.",
    ended: "This conversation has ended. Write again to start a new one.",
    agent: "Agent",
    assistant: "Assistant",
    you: "You",
    typing: "{name} is typing…",
    sending: "Sending…",
    sources: "Sources",
    useful: "Useful",
    notUseful: "Not useful",
    askUseful: "Was this useful?",
    thanks: "Thanks for your feedback",
    cbTitle: "Leave your details and we will get back to you.",
    cbName: "Name",
    cbEmail: "Email",
    cbPhone: "Phone",
    cbTime: "Best time to reach you",
    cbNote: "What is it about?",
    cbSubmit: "Request a callback",
    cbCancel: "Cancel",
    cbNeed: "Please give an email address or a phone number.",
    cbSent: "Callback requested. We will contact you.",
    cbInstead: "Rather not wait? Leave a callback request",
    tooLong: "That message is too long (2,000 characters at most).",
    rateLimited: "You are sending messages too quickly. Retrying in a moment.",
    limitReached: "You have already asked to be called back several times in this conversation.",
    failed: "Something went wrong on our side. Please try again.",
  },
  fr: {
    title: "Discutons",
    open: "Ouvrir la discussion",
    openUnread: "Ouvrir la discussion, {n} nouveau(x)",
    close: "Fermer la discussion",
    end: "Terminer la conversation",
    input: "Votre message",
    placeholder: "Écrivez votre message…",
    send: "Envoyer",
    connecting: "Connexion…",
    reconnecting: "Connexion perdue. Reconnexion…",
    offline: "Vous êtes hors ligne. Vos messages partiront au retour de la connexion.",
    queued: "En attente d'un conseiller",
    queuedAt: "En attente d'un conseiller (vous êtes n° {n})",
    joined: "{name} a rejoint la conversation",
    with: "En conversation avec {name}",
    left: "{name} a quitté la conversation",
    returned: "Vous êtes de retour avec l'assistant",
    noAgent: "Personne n'est disponible pour le moment",
    abandoned: "Vous avez quitté la file d'attente.",
    ended: "Cette conversation est terminée. Écrivez pour en commencer une nouvelle.",
    agent: "Conseiller",
    assistant: "Assistant",
    you: "Vous",
    typing: "{name} écrit…",
    sending: "Envoi…",
    sources: "Sources",
    useful: "Utile",
    notUseful: "Pas utile",
    askUseful: "Cette réponse vous a-t-elle aidé ?",
    thanks: "Merci pour votre retour",
    cbTitle: "Laissez vos coordonnées, nous vous recontacterons.",
    cbName: "Nom",
    cbEmail: "E-mail",
    cbPhone: "Téléphone",
    cbTime: "Quand vous joindre",
    cbNote: "À quel sujet ?",
    cbSubmit: "Être rappelé",
    cbCancel: "Annuler",
    cbNeed: "Indiquez une adresse e-mail ou un numéro de téléphone.",
    cbSent: "Demande de rappel envoyée. Nous vous recontacterons.",
    cbInstead: "Pas le temps d'attendre ? Demandez à être rappelé",
    tooLong: "Ce message est trop long (2 000 caractères au plus).",
    rateLimited: "Vous envoyez des messages trop vite. Nouvel essai dans un instant.",
    limitReached: "Vous avez déjà demandé plusieurs fois à être rappelé dans cette conversation.",
    failed: "Un problème est survenu de notre côté. Réessayez.",
  },
};

/** The first supported language among `candidates` (the wanted one, the page's, the browser's), else English. */
export function pickLang(candidates) {
  for (const c of candidates) {
    const code = String(c || "").slice(0, 2).toLowerCase();
    if (STRINGS[code]) return code;
  }
  return "en";
}

/** The text `key` in `lang`, its {placeholders} filled from `values`. */
export function text(lang, key, values = {}) {
  const template = (STRINGS[lang] || STRINGS.en)[key];
  return template.replace(/\{(\w+)\}/g, (_, k) => (values[k] == null ? "" : String(values[k])));
}
