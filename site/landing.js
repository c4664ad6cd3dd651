// index.html: the form posts to /api/twitter-session and the browser follows the redirects to X and back.
import { preparePage } from './site.js';

preparePage();
