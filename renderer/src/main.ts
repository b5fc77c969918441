// Renderer entry. The address book and tabs arrive with the app issue.
const root = document.getElementById('app');
if (root) {
  const heading = document.createElement('h1');
  heading.textContent = 'Hostdeck';
  root.append(heading);
}
